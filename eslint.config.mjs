// @ts-check
import { createConfigForNuxt } from '@nuxt/eslint-config/flat'

export default createConfigForNuxt({
  features: {
    tooling: true,
    stylistic: true,
  },
  dirs: {
    src: ['./playground', './test/fixtures/basic'],
  },
}).append({
  ignores: ['dist', 'node_modules', '**/.nuxt', '**/.output', '**/.data', 'test/.results'],
})
