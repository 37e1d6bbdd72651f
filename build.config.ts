import { defineBuildConfig } from 'unbuild'

// nuxt-module-build builds the module and its runtime; this adds the framework-free verifier
// (`nuxt-aegis/verify`) for other Node services.
export default defineBuildConfig({
  entries: ['src/verify'],
})
