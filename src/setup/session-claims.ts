import { addServerImports } from '@nuxt/kit'
import type { SetupContext } from './context'

/** Claims that change while the user is logged in: the `updateSessionClaims` server util (the refresh route reads `updateClaims`). */
export function setupSessionClaims({ resolver }: SetupContext) {
  addServerImports([{ name: 'updateSessionClaims', from: resolver.resolve('./runtime/server/utils/session-claims') }])
}
