import { describe, expect, it } from 'vitest'
import { REFRESH_COOKIE, decodeJwt, login, loginSession, redeem, setCookie } from '../support/http'
import { postJson, uniqueIp, usePasswordServer } from '../support/password'
import { redisUrl, useRedisPair } from '../support/redis-pair'
import { authenticator, secretOf } from '../support/totp'

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Enrols TOTP for the user of `token` on `base`; returns its authenticator. */
async function enrol(base: string, token: string, ip: string) {
  const { uri } = await (await postJson(base, '/auth/mfa/totp/enroll', {}, { ip, headers: bearer(token) })).json()
  const app = authenticator(secretOf(uri))
  const confirmed = await postJson(base, '/auth/mfa/totp/confirm', { code: await app.code() }, { ip, headers: bearer(token) })
  expect(confirmed.status).toBe(200)
  return app
}

const withoutTimes = (claims: Record<string, unknown>) => {
  // claimsCalls: the fixture's claims function counts its calls.
  const { iat: _iat, exp: _exp, jti: _jti, sid: _sid, amr: _amr, claimsCalls: _calls, ...rest } = claims
  return rest
}

describe('[MFA-4] OAuth logins ask for the factor at POST /auth/token (mfa.oauth, on by default)', () => {
  // The fixture's defaults: nothing about mfa.oauth is set.
  const oauth = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1', NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true' })
  const plain = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1', NUXT_AEGIS_MFA_OAUTH: 'false', NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true' })

  it('a user with a factor gets 202 mfa_required instead of tokens; the code finishes the whole login', async () => {
    const ip = uniqueIp()
    const first = await loginSession(oauth.url, 'alice')
    const app = await enrol(oauth.url, first.token, ip)

    const { jar, code } = await login(oauth.url, 'alice', { redirectTo: '/members/area' })
    const answer = await redeem(oauth.url, code, jar)
    expect(answer.status).toBe(202)
    const step = await answer.json()
    expect(step).toMatchObject({ status: 'mfa_required', stepToken: expect.any(String) })
    expect(step.token).toBeUndefined()
    expect(setCookie(answer, REFRESH_COOKIE)).toBeUndefined()
    // The CODE is spent: the step is the only way on.
    expect((await redeem(oauth.url, code, jar)).status).toBe(400)

    const done = await postJson(oauth.url, '/auth/mfa/verify', { stepToken: step.stepToken, code: await app.code() }, { ip, jar })
    expect(done.status).toBe(200)
    const body = await done.json()
    expect(body.redirectTo).toBe('/members/area')
    expect(jar.get(REFRESH_COOKIE)).toBeTruthy()
    const claims = decodeJwt(body.token)
    expect(claims.amr).toEqual(['otp', 'mfa'])
    // Nothing of the first step is lost: the same user and claims as the one-factor login.
    expect(withoutTimes(claims)).toEqual(withoutTimes(decodeJwt(first.token)))
    expect((await fetch(new URL('/api/test/mfa/protected', oauth.url), { headers: bearer(body.token) })).status).toBe(200)
  })

  it('with mfa.oauth: false, OAuth logins are not asked (the factor guards password and email logins only)', async () => {
    const ip = uniqueIp()
    const first = await loginSession(plain.url, 'bob')
    await enrol(plain.url, first.token, ip)
    const again = await loginSession(plain.url, 'bob')
    expect(decodeJwt(again.token).amr).toBeUndefined()
  })
})

describe.skipIf(!redisUrl)('[MFA-5] two instances on one Redis (skipped without AEGIS_REDIS_URL)', () => {
  const pair = useRedisPair('mfa', { env: { NUXT_AEGIS_TRUST_PROXY: '1', NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true' } })

  it('a step started on one instance finishes on the other, and a code accepted there is refused here', async () => {
    const ip = uniqueIp()
    const first = await loginSession(pair.a.url, 'alice')
    const app = await enrol(pair.a.url, first.token, ip)

    const one = await login(pair.a.url, 'alice')
    const step = await (await redeem(pair.a.url, one.code, one.jar)).json()
    const code = await app.code()
    const done = await postJson(pair.b.url, '/auth/mfa/verify', { stepToken: step.stepToken, code }, { ip, jar: one.jar })
    expect(done.status).toBe(200)

    const two = await login(pair.b.url, 'alice')
    const next = await (await redeem(pair.b.url, two.code, two.jar)).json()
    const replay = await postJson(pair.a.url, '/auth/mfa/verify', { stepToken: next.stepToken, code }, { ip, jar: two.jar })
    expect(replay.status).toBe(400)
    expect((await replay.json()).error).toBe('invalid_mfa_code')
    // Keys are HMACs and values sealed: no step token, user id or claim in clear in Redis.
    const keys = await pair.redis.keys(`${pair.base}:credentials:mfa:*`)
    expect(keys.length).toBeGreaterThan(0)
    const stored = (await Promise.all(keys.map(key => pair.redis.get(key)))).join('\n') + keys.join('\n')
    expect(stored).not.toContain(next.stepToken)
    expect(stored).not.toContain('Alice Fixture')
  })
})
