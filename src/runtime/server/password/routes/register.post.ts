import { defineEventHandler, setResponseStatus } from 'h3'
import { log, withErrors } from '../../core/errors'
import { fingerprint } from '../../core/crypto'
import { hashPassword } from '../hash'
import { limitIp, limitSubjects, readCredentialsBody } from '../request'
import { usePasswordServices } from '../services'
import { assertNewPassword, assertTurn, createAccount, emailField, lookupAccount, passwordBinding, passwordField, persist, provider, sendCode } from '../flow'

/**
 * POST {authPath}/password/register `{ email, password }` → 202 `{ status: 'accepted' }`,
 * whether or not the email already has an account (the same answer and the same hashing
 * work): the owner learns the rest from the email.
 */
export default defineEventHandler(event => withErrors(event, async () => {
  const body = await readCredentialsBody(event)
  provider()
  const email = emailField(body)
  const password = passwordField(body, 'password')
  const { config, scrypt, serializeAccount } = usePasswordServices()
  await limitIp(event, 'send', config.rateLimit.send)
  await assertNewPassword(event, password, email)
  const passwordHash = await hashPassword(password, scrypt)
  const verifies = config.loginCode !== 'off'
  // Counted before the account's turn: refused requests never hold it.
  await limitSubjects(event, 'send', config.rateLimit.send, (await lookupAccount(event, email)).limitKeys)
  // Alone per address: a verification or reset running meanwhile is never overwritten by this password.
  await serializeAccount(email, async (held) => {
    const { account, lookalike } = await lookupAccount(event, email)
    if (lookalike) {
      // The app's database holds this address under another spelling: a new account would collide
      // with that one (or, in an upsert, overwrite it). Nothing is created and nothing is sent.
      log.warn(`registration of ${fingerprint(email)} refused: findUser matched another address`)
    }
    else if (!account) {
      await assertTurn(held)
      const created = await createAccount(event, email, passwordHash)
      // Bound to this request's own hash: when the stored one is another (a parallel registration), the code is void.
      if (created && verifies) await sendCode(event, created, 'verify', passwordBinding({ passwordHash }))
    }
    else if (!account.emailVerified && verifies) {
      // An address registered but not verified yet: this may be its owner, or someone who
      // registered it first to take the account over once the owner verifies. The latest
      // registration's password replaces the stored one, and the code sent now activates only it.
      await assertTurn(held)
      await persist(event, { action: 'password', id: account.id, email: account.email, passwordHash, reason: 'register' })
      await sendCode(event, { ...account, passwordHash }, 'verify', passwordBinding({ passwordHash }))
    }
  })
  setResponseStatus(event, 202)
  return { status: 'accepted' }
}))
