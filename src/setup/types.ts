import { addTypeTemplate } from '@nuxt/kit'
import type { SetupContext } from './context'

/** Type augmentations: the Nitro hooks, `H3EventContext.user`, `PageMeta.auth`, `NuxtApp.$aegis`. */
export function setupTypes({ resolver }: SetupContext) {
  addTypeTemplate({
    filename: 'types/nuxt-aegis.d.ts',
    getContents: () => [
      `import type { AegisHooks, AegisClaims } from ${JSON.stringify(resolver.resolve('./runtime/types'))}`,
      `declare module 'nitropack/types' { interface NitroRuntimeHooks extends AegisHooks {} }`,
      `declare module 'nitropack' { interface NitroRuntimeHooks extends AegisHooks {} }`,
      `declare module 'h3' { interface H3EventContext { user?: AegisClaims, aegisSession?: { user: AegisClaims | null } } }`,
      `declare module 'vue-router' { interface RouteMeta { auth?: boolean | 'guest' } }`,
      `declare module '#app' { interface PageMeta { auth?: boolean | 'guest' } interface NuxtApp { $aegis: import(${JSON.stringify(resolver.resolve('./runtime/app/client'))}).AegisClient, $aegisFetch: import(${JSON.stringify(resolver.resolve('./runtime/app/client'))}).AegisClient['fetch'] } }`,
      'export {}',
    ].join('\n'),
  }, { nitro: true, nuxt: true })
}
