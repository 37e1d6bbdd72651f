// The baseline: the same app with no auth module.
export default defineNuxtConfig({
  devtools: { enabled: false },
  compatibilityDate: '2025-07-01',
  telemetry: false,
})
