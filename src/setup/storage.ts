import { addServerPlugin, addTemplate } from '@nuxt/kit'
import type { Resolver } from '@nuxt/kit'
import type { Nuxt } from '@nuxt/schema'
import { defu } from 'defu'
import type { StorageOptions } from '../options'
import { resolveStorageOptions, STORAGE_SPECS } from './storage-defaults'

export type StorageMount = keyof typeof STORAGE_SPECS

/**
 * Mounts the module's storage (`aegis:refresh`, `aegis:codes`, `aegis:credentials`) with
 * defaults per driver; a mount the app configured in `nitro.storage` itself is left alone.
 * Mounts on `memory` get the module's bounded memory driver from a server plugin: Nitro imports
 * the drivers named in `storage` natively at build time, where a TypeScript driver of ours
 * cannot load, so the mount config keeps unstorage's `memory` and the plugin swaps it at start.
 */
export function setupStorage(nuxt: Nuxt, resolver: Resolver, inputs: Partial<Record<StorageMount, StorageOptions | undefined>>) {
  const resolved = Object.entries(inputs).map(([base, input]) => [base, resolveStorageOptions(input, STORAGE_SPECS[base as StorageMount])] as const)
  const memoryMounts = Object.fromEntries(resolved.filter(([, options]) => options.driver === 'memory').map(([base, { driver: _driver, ...options }]) => [base, options]))
  nuxt.hook('nitro:config', (nitroConfig) => {
    const mounts = ((nitroConfig as { storage?: Record<string, unknown> }).storage ??= {})
    for (const [base, options] of resolved) mounts[base] ??= options
  })
  const plugin = addTemplate({
    filename: 'nuxt-aegis/memory-mounts.mjs',
    write: true,
    getContents: () => [
      `import { defineNitroPlugin, useStorage } from 'nitropack/runtime'`,
      `import { boundMemoryMounts } from ${JSON.stringify(resolver.resolve('./runtime/server/context/memory-mounts'))}`,
      `export default defineNitroPlugin(() => boundMemoryMounts(useStorage(), ${JSON.stringify(memoryMounts)}))`,
      '',
    ].join('\n'),
  })
  addServerPlugin(plugin.dst)
  // Bundled, not imported as an external file (as the provider-routes registry).
  nuxt.hook('nitro:config', (nitroConfig) => {
    const config = nitroConfig as { externals?: { inline?: string[] } }
    config.externals = defu(config.externals, { inline: [plugin.dst] })
  })
}
