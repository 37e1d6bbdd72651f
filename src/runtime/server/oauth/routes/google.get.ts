import { defineOAuthGoogleEventHandler } from '../../utils/providers'

/** Default route of the google provider; a `server/routes/<authPath>/google.get.ts` of the app replaces it. */
export default defineOAuthGoogleEventHandler()
