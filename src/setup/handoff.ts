import type { SetupContext } from './context'
import { addPostRoute } from './core'

/** The CODE hand-off: POST `<authPath>/token` (its `aegis:codes` mount is set up in storage.ts). */
export function setupHandoff(ctx: SetupContext) {
  addPostRoute(ctx, '/token', 'handoff/routes/token.post')
}
