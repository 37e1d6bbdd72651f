/** The authenticator app of the tests: codes of a TOTP secret (base32), with otpauth. */
import { Secret, TOTP } from 'otpauth'

const PERIOD = 30_000

function generate(secret: string, timestamp: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp })
}

/** The code of `secret` in the step `offsetSteps` away from now (-1, 0, +1 are accepted). */
export function totpCode(secret: string, offsetSteps = 0, now = Date.now()): string {
  return generate(secret, now + offsetSteps * PERIOD)
}

/** The secret inside an `otpauth://totp/...?secret=` URI. */
export function secretOf(uri: string): string {
  return new URL(uri).searchParams.get('secret')!
}

/**
 * An authenticator that hands out codes the server has not seen: each of a later step than the
 * last (the server accepts a step once), within the ±1 step window, and not one that the clock
 * could push out of the window before the server checks it. Three codes fit in one step; a
 * fourth waits for the clock's next step (the only condition there is to wait on).
 */
export function authenticator(secret: string) {
  let last = -Infinity
  return {
    async code(): Promise<string> {
      for (;;) {
        const now = Date.now()
        const current = Math.floor(now / PERIOD)
        const remaining = PERIOD - (now % PERIOD)
        let step = Math.max(last + 1, current - 1)
        if (step === current - 1 && remaining < 5_000) step = current
        if (step <= current + 1) {
          last = step
          return generate(secret, step * PERIOD)
        }
        await new Promise(resolve => setTimeout(resolve, remaining + 20))
      }
    },
  }
}
