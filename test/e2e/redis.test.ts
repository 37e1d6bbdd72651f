/**
 * Two instances of the built fixture sharing one real Redis (AEGIS_REDIS_URL, started by
 * .ci/run on 127.0.0.1): sessions and CODEs on the redis driver, atomic across instances.
 */
import { describe, expect, it } from 'vitest'
import { redisUrl, useRedisPair } from '../support/redis-pair'
import { CookieJar, REFRESH_COOKIE, decodeJwt, hookCalls, isDeletion, login, loginSession, postWithCookie, redeem, setCookie } from '../support/http'
import type { TokenBody } from '../support/http'

describe.skipIf(!redisUrl)('[SES-8] several instances on one Redis (skipped without AEGIS_REDIS_URL)', () => {
  const pair = useRedisPair('ses', { env: { NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true', NUXT_AEGIS_AUTH_CODE_SHARED: 'true' } })

  const refresh = (url: string, jar: CookieJar) => postWithCookie(url, '/auth/refresh', jar)
  const jarWith = (token: string) => {
    const jar = new CookieJar()
    jar.set(REFRESH_COOKIE, token)
    return jar
  }

  it('the whole lifecycle works on the redis driver: login, refresh, me, logout', async () => {
    const session = await loginSession(pair.a.url, 'alice')
    // The session lives in Redis (family, token, user index), not on the instance's disk.
    expect((await pair.redis.keys(`${pair.base}:refresh:*`)).length).toBeGreaterThanOrEqual(3)
    const refreshed = await refresh(pair.a.url, session.jar)
    expect(refreshed.status).toBe(200)
    const { token } = await refreshed.json() as TokenBody
    const me = await fetch(new URL('/api/user/me', pair.a.url), { headers: { authorization: `Bearer ${token}` } })
    expect(me.status).toBe(200)
    expect((await postWithCookie(pair.a.url, '/auth/logout', session.jar)).status).toBe(204)
    expect((await refresh(pair.a.url, jarWith(session.jar.get(REFRESH_COOKIE) ?? session.refreshToken))).status).toBe(401)
    // Logout removed the family, its token chain and the index entry; what stays is the
    // revocation list that refuses the session's access tokens (until they would have expired).
    expect((await pair.redis.keys(`${pair.base}:refresh:*`)).filter(key => !key.startsWith(`${pair.base}:refresh:refresh:revocations:`))).toEqual([])
  })

  it('a CODE minted on A is redeemed on B, once', async () => {
    const { jar, code } = await login(pair.a.url, 'bob')
    const onB = await redeem(pair.b.url, code, jar)
    expect(onB.status).toBe(200)
    expect(decodeJwt((await onB.json() as TokenBody).token).sub).toBe('mock-bob')
    expect((await redeem(pair.a.url, code, jar)).status).toBe(400)
    expect((await redeem(pair.b.url, code, jar)).status).toBe(400)
  })

  it('[CODE-6] a leaked CODE POSTed on B without its binding is not spent, and its replay there revokes nothing', async () => {
    const { jar, code } = await login(pair.a.url, 'alice')
    expect((await redeem(pair.b.url, code, new CookieJar())).status).toBe(400)
    const own = await redeem(pair.a.url, code, jar)
    expect(own.status).toBe(200)
    expect((await redeem(pair.b.url, code, new CookieJar())).status).toBe(400)
    expect((await refresh(pair.b.url, jar)).status).toBe(200)
  })

  it('of parallel redemptions of one CODE on A and B exactly one wins', async () => {
    const { jar, code } = await login(pair.a.url, 'alice')
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => redeem(i % 2 ? pair.a.url : pair.b.url, code, jar)))
    expect(results.filter(r => r.status === 200)).toHaveLength(1)
  })

  it('20 concurrent refreshes with one cookie spread over A and B never fork the family', async () => {
    const session = await loginSession(pair.a.url, 'alice')
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => refresh(i % 2 ? pair.a.url : pair.b.url, jarWith(session.refreshToken))))
    expect(responses.map(r => r.status)).toEqual(Array.from({ length: 20 }, () => 200))
    const successors = new Set(responses.map(r => setCookie(r, REFRESH_COOKIE)?.value))
    expect(successors.size).toBe(1)
    const [successor] = [...successors] as [string]
    // The one successor is live on both instances; the family goes on.
    const next = await refresh(pair.b.url, jarWith(successor))
    expect(next.status).toBe(200)
    expect((await refresh(pair.a.url, jarWith(setCookie(next, REFRESH_COOKIE)!.value))).status).toBe(200)
  })

  it('reuse is detected across instances: an ancestor replayed on B revokes the family rotated on A', async () => {
    const session = await loginSession(pair.a.url, 'alice')
    const first = session.refreshToken
    expect((await refresh(pair.a.url, session.jar)).status).toBe(200)
    expect((await refresh(pair.a.url, session.jar)).status).toBe(200)
    const newest = session.jar.get(REFRESH_COOKIE)!
    const replay = await refresh(pair.b.url, jarWith(first))
    expect(replay.status).toBe(401)
    expect(await replay.json()).toMatchObject({ error: 'token_reused' })
    expect(isDeletion(setCookie(replay, REFRESH_COOKIE)!)).toBe(true)
    expect((await hookCalls(pair.b.url)).some(call => call.name === 'nuxt-aegis:tokenReuse')).toBe(true)
    expect((await refresh(pair.a.url, jarWith(newest))).status).toBe(401)
  })

  it('logout everywhere on B ends the user\'s sessions made on A', async () => {
    const one = await loginSession(pair.a.url, 'bob')
    const two = await loginSession(pair.a.url, 'bob')
    const response = await fetch(new URL('/auth/logout', pair.b.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'origin': new URL(pair.b.url).origin, 'cookie': `${REFRESH_COOKIE}=${two.refreshToken}` },
      body: JSON.stringify({ everywhere: true }),
    })
    expect(response.status).toBe(204)
    expect((await refresh(pair.a.url, one.jar)).status).toBe(401)
    expect((await refresh(pair.a.url, two.jar)).status).toBe(401)
  })

  it('Redis never holds a raw refresh token or CODE: every stored value read back raw', async () => {
    const session = await loginSession(pair.a.url, 'alice')
    const { code, jar } = await login(pair.a.url, 'alice')
    expect((await refresh(pair.b.url, session.jar)).status).toBe(200)
    const secrets = [session.refreshToken, session.jar.get(REFRESH_COOKIE)!].map(t => t.split('.')[1]!)
    const keys = await pair.redis.keys(`${pair.base}:*`)
    expect(keys.length).toBeGreaterThan(3)
    const values = await Promise.all(keys.map(key => pair.redis.type(key).then(type => type === 'string' ? pair.redis.get(key) : '')))
    const everything = keys.join('\n') + values.join('\n')
    for (const secret of [...secrets, code]) {
      expect(everything).not.toContain(secret)
      expect(everything).not.toContain(secret.slice(0, 16))
    }
    expect((await redeem(pair.a.url, code, jar)).status).toBe(200)
  })
})
