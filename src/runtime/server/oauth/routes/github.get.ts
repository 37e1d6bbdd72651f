import { defineOAuthGitHubEventHandler } from '../../utils/providers'

/** Default route of the github provider; a `server/routes/<authPath>/github.get.ts` of the app replaces it. */
export default defineOAuthGitHubEventHandler()
