import { defineOAuthOidcEventHandler } from '../../utils/providers'

/** Default route of the oidc provider; a `server/routes/<authPath>/oidc.get.ts` of the app replaces it. */
export default defineOAuthOidcEventHandler()
