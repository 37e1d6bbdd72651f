import aegis from '../../../src/module'

// nuxt-aegis with the mock provider; the bench passes the secret and the storage driver at run time.
export default defineNuxtConfig({
  modules: [aegis],
  devtools: { enabled: false },
  compatibilityDate: '2025-07-01',
  telemetry: false,
  nuxtAegis: {
    token: { expiresIn: '1h' },
    // Replaced at start by server/plugins/bench-storage.ts according to BENCH_REFRESH_DRIVER.
    tokenRefresh: { storage: { driver: 'memory' } },
    routeProtection: { protectedRoutes: ['/api/**'] },
    // Password logins for the memory bench (refused requests with random emails); cheap scrypt.
    providers: { mock: {}, password: { scrypt: { cost: 1024, parallelization: 1 } } },
  },
})
