import type { H3Event } from 'h3'
import { useNitroApp } from 'nitropack/runtime'
import type { AegisHooks, AegisUser, UserInfoHookPayload } from '../../types'
import { fingerprint } from '../core/crypto'
import { log } from '../core/errors'
import type { TokenReuseError } from '../sessions/sessions'

type Callback = (...args: unknown[]) => unknown
/** The part of Nitro's hookable we use, typed loosely so our own hook names need no global augmentation here. */
interface HookRunner {
  callHook: (name: string, ...args: unknown[]) => Promise<unknown>
  callHookWith: <R>(caller: (callbacks: Callback[], args: unknown) => R, name: string, ...args: unknown[]) => R
}

const runner = () => useNitroApp().hooks as unknown as HookRunner

export async function callAegisHook<K extends Exclude<keyof AegisHooks, 'nuxt-aegis:userInfo'>>(name: K, payload: Parameters<AegisHooks[K]>[0]): Promise<void> {
  await runner().callHook(name, payload)
}

/** A replayed rotated refresh token (on refresh or logout; its family is revoked): a warning and the hook, fingerprints only. */
export async function reportTokenReuse(event: H3Event, error: TokenReuseError): Promise<void> {
  log.warn(`refresh token reuse: ${error.detail}`)
  await callAegisHook('nuxt-aegis:tokenReuse', { user: error.session.user, session: fingerprint(error.session.familyId), token: fingerprint(error.tokenId), event })
}

/**
 * Runs `nuxt-aegis:userInfo` hooks in order; each may return a replacement user.
 * The caller reads the payload from its closure: hookable 5 (bundled by Nitro) passes the
 * arguments as rest parameters, hookable 6 as one array, so `args` differs between them.
 */
export function runUserInfoHooks(payload: UserInfoHookPayload): Promise<AegisUser> {
  return runner().callHookWith(async (callbacks) => {
    for (const callback of callbacks) {
      const next = await callback(payload)
      if (next && typeof next === 'object') payload.user = next as AegisUser
    }
    return payload.user
  }, 'nuxt-aegis:userInfo', payload)
}

/**
 * Every answer of a question hook's handlers, in order (`nuxt-aegis:canImpersonate`); an empty
 * list when no handler is registered. A handler that throws stops the question (the caller refuses).
 */
export function askAegisHook<K extends keyof AegisHooks>(name: K, payload: Parameters<AegisHooks[K]>[0]): Promise<unknown[]> {
  return runner().callHookWith(async (callbacks) => {
    const answers: unknown[] = []
    for (const callback of callbacks) answers.push(await callback(payload))
    return answers
  }, name, payload)
}
