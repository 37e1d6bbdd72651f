import { describe, expect, it } from 'vitest'
import { lastMessage, postJson, registerVerified, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'

// Limits of the fixture: login 5/email and 40/IP, code 8/email, send 4/email and 20/IP (per 10 min).
// Default server: the client IP is the socket's; X-Forwarded-For is not trusted.
const direct = usePasswordServer()
// Behind one trusted proxy: X-Forwarded-For picks the client IP.
const proxied = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1' })

async function expect429(response: Response) {
  expect(response.status).toBe(429)
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
  expect(Number(response.headers.get('retry-after'))).toBeLessThanOrEqual(600)
  expect(await response.json()).toEqual({ error: 'too_many_requests', message: expect.any(String) })
}

describe('[PWD-3] brute force hits 429', () => {
  it('login: after 5 wrong passwords for one email, even the right one is refused with 429', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('brute')
    await registerVerified(proxied.url, email, 'brute-pass-1', ip)
    for (let i = 0; i < 5; i++) expect((await postJson(proxied.url, '/auth/password/login', { email, password: `guess-${i}-xxxx` }, { ip: uniqueIp() })).status).toBe(401)
    // Spread over IPs it is still one email.
    await expect429(await postJson(proxied.url, '/auth/password/login', { email, password: 'brute-pass-1' }, { ip: uniqueIp() }))
  })

  it('login: one IP trying many emails is stopped by the per-IP counter', async () => {
    const ip = uniqueIp()
    const statuses: number[] = []
    for (let i = 0; i < 41; i++) statuses.push((await postJson(proxied.url, '/auth/password/login', { email: uniqueEmail('spray'), password: 'spray-pass-1' }, { ip })).status)
    expect(statuses.slice(0, 40).every(status => status === 401)).toBe(true)
    expect(statuses[40]).toBe(429)
  })

  it('code entry: guesses for one email are limited (429), and a code dies after 5 wrong entries', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('codes')
    await postJson(proxied.url, '/auth/password/register', { email, password: 'codes-pass-1' }, { ip })
    const { code } = await lastMessage(proxied.url, email)
    const wrong = code === '000000' ? '000001' : '000000'
    for (let i = 0; i < 5; i++) expect((await postJson(proxied.url, '/auth/password/verify', { email, code: wrong, password: 'codes-pass-1' }, { ip })).status).toBe(400)
    // Five wrong entries: the real code is dead too.
    const dead = await postJson(proxied.url, '/auth/password/verify', { email, code, password: 'codes-pass-1' }, { ip })
    expect(dead.status).toBe(400)
    expect((await dead.json()).error).toBe('invalid_verification_code')
    for (let i = 0; i < 2; i++) expect((await postJson(proxied.url, '/auth/password/verify', { email, code: wrong, password: 'codes-pass-1' }, { ip: uniqueIp() })).status).toBe(400)
    await expect429(await postJson(proxied.url, '/auth/password/verify', { email, code: wrong, password: 'codes-pass-1' }, { ip: uniqueIp() }))
  })

  it('reset requests: at most 4 per email, then 429 (for unknown emails alike)', async () => {
    for (const email of [uniqueEmail('resetlimit'), uniqueEmail('resetghost')]) {
      const known = email.startsWith('resetlimit')
      if (known) await registerVerified(proxied.url, email, 'reset-limit-1', uniqueIp())
      // An account's mail counts per account and under its address, like an unknown address's:
      // the registration's mail used one of the address's four.
      const allowed = known ? 3 : 4
      for (let i = 0; i < allowed; i++) expect((await postJson(proxied.url, '/auth/password/reset', { email }, { ip: uniqueIp() })).status).toBe(202)
      await expect429(await postJson(proxied.url, '/auth/password/reset', { email }, { ip: uniqueIp() }))
    }
  })
})

describe('[PWD-3] the client IP comes from the socket unless a proxy is trusted', () => {
  it('a forged X-Forwarded-For does not escape the per-IP limit', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 21; i++) statuses.push((await postJson(direct.url, '/auth/password/reset', { email: uniqueEmail('forged') }, { ip: uniqueIp() })).status)
    expect(statuses.slice(0, 20).every(status => status === 202)).toBe(true)
    await expect429(await postJson(direct.url, '/auth/password/reset', { email: uniqueEmail('forged') }, { ip: uniqueIp() }))
  })

  it('behind a trusted proxy the same requests count per forwarded client', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 25; i++) statuses.push((await postJson(proxied.url, '/auth/password/reset', { email: uniqueEmail('proxied') }, { ip: uniqueIp() })).status)
    expect(statuses.every(status => status === 202)).toBe(true)
  })
})
