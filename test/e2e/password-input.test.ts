import { describe, expect, it } from 'vitest'
import { send } from '../support/http'
import { postJson, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'
import { TEST_SECRET, startExpectingFailure } from '../support/server'

const server = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1' })
const ENDPOINTS = ['register', 'login', 'login/code', 'verify', 'verify/resend', 'reset', 'reset/confirm', 'change'].map(path => `/auth/password/${path}`)

async function expectError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('cache-control')).toBe('no-store')
  expect(await response.json()).toEqual({ error, message: expect.any(String) })
}

describe('[PWD-6] JSON bodies only, size-capped, typed; 4xx, never 500', () => {
  it('every endpoint: 405 on GET, 415 for forms, 413 when too large, 403 cross-site', async () => {
    for (const path of ENDPOINTS) {
      const get = await fetch(new URL(path, server.url))
      expect(get.status).toBe(405)
      expect(get.headers.get('allow')).toBe('POST')
      await expectError(await postJson(server.url, path, null, { raw: 'email=a%40b.c&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type')
      await expectError(await postJson(server.url, path, { email: 'a@b.c', password: 'x'.repeat(5000) }), 413, 'payload_too_large')
      await expectError(await postJson(server.url, path, { email: 'a@b.c', password: 'whatever-1' }, { headers: { 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site' } }), 403, 'cross_site_request')
    }
  })

  it('malformed bodies and fields get 400', async () => {
    const ip = uniqueIp()
    const cases: Array<[string, unknown]> = [
      ['/auth/password/login', []],
      ['/auth/password/login', { email: 'not-an-email', password: 'whatever-1' }],
      ['/auth/password/login', { email: 'a@b.c', password: 12345678 }],
      ['/auth/password/login', { email: ['a@b.c'], password: 'whatever-1' }],
      ['/auth/password/register', { email: 'a@b.c' }],
      ['/auth/password/verify', { email: 'a@b.c', code: 123456, password: 'whatever-1' }],
      ['/auth/password/verify', { email: 'a@b.c', code: '12345', password: 'whatever-1' }],
      ['/auth/password/verify', { email: 'a@b.c', code: '123456' }],
      ['/auth/password/verify', { token: 42, password: 'whatever-1' }],
      ['/auth/password/reset/confirm', { token: 'x.y', password: null }],
      ['/auth/password/login/code', { email: 'a@b.c', code: '12a456' }],
    ]
    for (const [path, body] of cases) await expectError(await postJson(server.url, path, body, { ip }), 400, 'invalid_request')
    await expectError(await postJson(server.url, '/auth/password/login', null, { raw: '{"email":', ip }), 400, 'invalid_request')
    // Odd keys are just ignored.
    const proto = await postJson(server.url, '/auth/password/register', null, { ip, raw: `{"email":"${uniqueEmail('proto')}","password":"long-enough-1","__proto__":{"polluted":true}}` })
    expect(proto.status).toBe(202)
  })

  it('a body without Content-Length (chunked) is refused with 411', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"email":"a@b.c","password":"whatever-1"}'))
        controller.close()
      },
    })
    const response = await send(new URL('/auth/password/login', server.url), {
      method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' }, body: stream, duplex: 'half',
    } as RequestInit)
    await expectError(response, 411, 'length_required')
  })

  it('a weak new password is refused with its reason, by policy and by validatePassword', async () => {
    const ip = uniqueIp()
    const email = uniqueEmail('weak')
    await expectError(await postJson(server.url, '/auth/password/register', { email, password: 'short' }, { ip }), 400, 'weak_password')
    const same = await postJson(server.url, '/auth/password/register', { email, password: email }, { ip })
    expect(await same.json()).toEqual({ error: 'weak_password', message: 'The password must not be the email address.' })
    const common = await postJson(server.url, '/auth/password/register', { email, password: 'password123!' }, { ip })
    expect(await common.json()).toEqual({ error: 'weak_password', message: 'Choose a less common password.' })
    const long = await postJson(server.url, '/auth/password/register', { email, password: 'x'.repeat(129) }, { ip })
    expect(await long.json()).toEqual({ error: 'weak_password', message: 'The password must have at most 128 characters.' })
  })
})

describe('[PWD-6] invalid password settings stop the server', () => {
  it('an unknown loginCode (which must never mean "no verification") refuses to start, naming the variable', async () => {
    const { code, output } = await startExpectingFailure({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PASSWORD_LOGIN_CODE: 'sometimes' })
    expect(code, output).not.toBe(0)
    expect(code, output).not.toBeNull()
    expect(output).toContain('NUXT_AEGIS_PASSWORD_LOGIN_CODE')
    expect(output).not.toContain('Listening on')
  })
  it('[PWD-15] emailed links without siteUrl refuse to start in production, naming NUXT_PUBLIC_SITE_URL', async () => {
    const { code, output } = await startExpectingFailure({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PASSWORD_LINKS_RESET: '/reset-password' })
    expect(code, output).not.toBe(0)
    expect(code, output).not.toBeNull()
    expect(output).toContain('NUXT_PUBLIC_SITE_URL')
    expect(output).not.toContain('Listening on')
  })
})
