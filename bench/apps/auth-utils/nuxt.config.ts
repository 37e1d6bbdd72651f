// nuxt-auth-utils (sealed cookie session); NUXT_SESSION_PASSWORD is passed at run time.
export default defineNuxtConfig({
  modules: ['nuxt-auth-utils'],
  devtools: { enabled: false },
  compatibilityDate: '2025-07-01',
  telemetry: false,
})
