/**
 * Names for start-up messages: the option as written in `nuxt.config` and the env variable
 * that overrides it at run time. Nitro's applyEnv maps `NUXT_` + the snake-cased key path of
 * the runtime config onto each key that exists at build time, so the name is derived from the
 * runtime config path, never typed by hand (a typo would send users to a variable that does nothing).
 */

/** The env variable Nitro maps onto `runtimeConfig.<runtimePath>`, e.g. `aegis.tokenRefresh.reuseInterval`. */
export function envName(runtimePath: string): string {
  return `NUXT_${runtimePath.split('.').map(part => part.replace(/([a-z\d])([A-Z])/g, '$1_$2')).join('_').toUpperCase()}`
}

/** `nuxtAegis.<option> (NUXT_AEGIS_...)`; `runtimePath` under `runtimeConfig.aegis` when it differs from the option path. */
export function optionName(option: string, runtimePath = option): string {
  return `nuxtAegis.${option} (${envName(`aegis.${runtimePath}`)})`
}
