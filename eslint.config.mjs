// @ts-check
import { createConfigForNuxt } from '@nuxt/eslint-config/flat'

export default createConfigForNuxt({
  features: {
    tooling: true,
    stylistic: true,
  },
  dirs: {
    src: ['./playground', './test/fixtures/basic', './examples/sqlite-accounts', './bench/apps/baseline', './bench/apps/aegis', './bench/apps/auth-utils'],
  },
}).append({
  ignores: ['dist', 'node_modules', '**/.nuxt', '**/.output', '**/.data', 'test/.results'],
})
