import { defineOAuthAuth0EventHandler } from '../../utils/providers'

/** Default route of the auth0 provider; a `server/routes/<authPath>/auth0.get.ts` of the app replaces it. */
export default defineOAuthAuth0EventHandler()
