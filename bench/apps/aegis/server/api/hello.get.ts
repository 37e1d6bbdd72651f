// Under routeProtection.protectedRoutes: the module's middleware has verified the Bearer token and
// put its claims on event.context.user. The same synchronous handler as the baseline's.
export default defineEventHandler(event => ({ ok: true, sub: event.context.user!.sub }))
