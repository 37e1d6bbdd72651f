import { defineOAuthMockEventHandler } from '../../utils/providers'

/** Default route of the mock provider; a `server/routes/<authPath>/mock.get.ts` of the app replaces it. */
export default defineOAuthMockEventHandler()
