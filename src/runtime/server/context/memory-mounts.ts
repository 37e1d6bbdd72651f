import type { Storage } from 'unstorage'
import memoryDriver from '../core/memory-driver'
import type { AegisMemoryDriverOptions } from '../core/memory-driver'

/**
 * Swaps unstorage's memory driver (which keeps every entry forever) for the module's bounded
 * one on the module's mounts configured as `memory`. A mount already replaced with another
 * driver (a plugin of the app that ran first) is kept.
 */
export function boundMemoryMounts(storage: Pick<Storage, 'getMount' | 'mount' | 'unmount'>, mounts: Record<string, AegisMemoryDriverOptions>): void {
  for (const [base, options] of Object.entries(mounts)) {
    const mount = storage.getMount(base)
    if (mount.base !== `${base}:` || (mount.driver as { name?: string }).name !== 'memory') continue
    // Without dispose the unmount is synchronous, so the new mount is in place before any request.
    void storage.unmount(base, false)
    storage.mount(base, memoryDriver(options))
  }
}
