import { defineOAuthMicrosoftEventHandler } from '../../utils/providers'

/** Default route of the microsoft provider; a `server/routes/<authPath>/microsoft.get.ts` of the app replaces it. */
export default defineOAuthMicrosoftEventHandler()
