import { join } from 'node:path'
import { useLogger } from '@nuxt/kit'
import type { Resolver } from '@nuxt/kit'
import type { Nuxt } from '@nuxt/schema'
import type { defaults, ModuleOptions } from '../options'

/** The module's options merged with their defaults. */
export type ResolvedModuleOptions = typeof defaults & Required<ModuleOptions>

/** What every `setup<Capability>()` receives from `module.ts`. */
export interface SetupContext {
  nuxt: Nuxt
  /** Resolves paths relative to the module's entry (`./runtime/...`). */
  resolver: Resolver
  options: ResolvedModuleOptions
  /** `endpoints.authPath` without a trailing slash. */
  authPath: string
  /** Built-in OAuth providers that are configured and not disabled. */
  enabledProviders: string[]
}

export const logger = useLogger('nuxt-aegis')

/** The server directory of every layer (`serverDir`, or `<srcDir>/server`). */
export function layerServerDirs(nuxt: Nuxt): string[] {
  return nuxt.options._layers.map(layer => layer.config.serverDir ?? join(layer.config.srcDir ?? layer.cwd, 'server'))
}
