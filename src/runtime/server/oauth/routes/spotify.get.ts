import { defineOAuthSpotifyEventHandler } from '../../utils/providers'

/** Default route of the spotify provider; a `server/routes/<authPath>/spotify.get.ts` of the app replaces it. */
export default defineOAuthSpotifyEventHandler()
