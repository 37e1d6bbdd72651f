// Listed in routeProtection.publicRoutes: public even though it is under /api/private/**.
export default defineEventHandler(() => ({ ok: true }))
