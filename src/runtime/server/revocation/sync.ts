import { defineNitroPlugin } from 'nitropack/runtime'
import { useAegis } from '../context/services'

/**
 * Keeps this instance's revocation list fresh from start to close. Started after every plugin
 * has run, so a plugin that mounts the session storage elsewhere (e.g. on Redis) is honoured.
 */
export default defineNitroPlugin((nitroApp) => {
  const timer = setImmediate(() => void useAegis().revocations.start())
  nitroApp.hooks.hook('close', async () => {
    clearImmediate(timer)
    await useAegis().revocations.stop()
  })
})
