/** Review findings on the email login: code length, link guessing, the stored address at verify. */
import { describe, expect, it } from 'vitest'
import { CookieJar, decodeJwt } from '../support/http'
import { lastMessage, postJson, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'
import type { PasswordServer } from '../support/password'

const server = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1' })
const loose = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1', AEGIS_TEST_LOOSE_COLLATION: '1' })

async function seed(base: string, email: string): Promise<string> {
  const response = await fetch(new URL('/api/test/password/seed', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'seeded-pass-1' }) })
  return (await response.json() as { id: string }).id
}

async function changeAddress(base: string, from: string, to: string): Promise<void> {
  const response = await fetch(new URL('/api/test/email/change-address', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to }) })
  expect(response.status).toBe(200)
}

// A fresh IP per request: these tests are about the code's own budgets, not the per-IP limits.
const start = (target: PasswordServer, email: string) => postJson(target.url, '/auth/email/start', { email }, { ip: uniqueIp() })
const verify = (target: PasswordServer, body: Record<string, unknown>, jar?: CookieJar) => postJson(target.url, '/auth/email/verify', body, { ip: uniqueIp(), jar })

/** The link of `token` with a wrong secret: what someone holding an older link of the account can send (the id is stable). */
const wrongSecret = (token: string, n: number) => `${token.split('.').slice(0, -1).join('.')}.${String(n).padStart(43, 'x')}`

describe('[EML-4] email codes are 8 digits by default', () => {
  it('mails an 8-digit code; a 6-digit entry is malformed', async () => {
    const email = uniqueEmail('eml8')
    await seed(server.url, email)
    await start(server, email)
    const mail = await lastMessage(server.url, email)
    expect(mail.code).toMatch(/^\d{8}$/)
    const short = await verify(server, { email, code: mail.code.slice(0, 6) })
    expect(short.status).toBe(400)
    expect((await short.json()).error).toBe('invalid_request')
    expect((await verify(server, { email, code: mail.code })).status).toBe(200)
  })
})

describe('[EML-6] a wrong link secret does not spend the typed code', () => {
  it('an older link\'s id with wrong secrets up to the budget leaves the new code and link working', async () => {
    const email = uniqueEmail('emllinkdos')
    await seed(server.url, email)
    await start(server, email)
    const old = await lastMessage(server.url, email)
    expect((await verify(server, { token: old.token })).status).toBe(200)
    // Later logins: the holder of the old link sends its id with made-up secrets.
    await start(server, email)
    const mail = await lastMessage(server.url, email, 2)
    expect(mail.token.split('.')[0]).toBe(old.token.split('.')[0])
    for (let i = 0; i < 4; i++) expect((await verify(server, { token: wrongSecret(mail.token, i) })).status).toBe(400)
    expect((await verify(server, { token: mail.token })).status).toBe(200)

    await start(server, email)
    const next = await lastMessage(server.url, email, 3)
    for (let i = 0; i < 5; i++) expect((await verify(server, { token: wrongSecret(next.token, i) })).status).toBe(400)
    expect((await verify(server, { email, code: next.code })).status).toBe(200)
  })

  it('the link of an older mail, with any number of wrong secrets, leaves the newest link working', async () => {
    const email = uniqueEmail('emloldlink')
    await seed(server.url, email)
    await start(server, email)
    const old = await lastMessage(server.url, email)
    await start(server, email)
    const mail = await lastMessage(server.url, email, 2)
    for (let i = 0; i < 8; i++) expect((await verify(server, { token: wrongSecret(old.token, i) })).status).toBe(400)
    expect((await verify(server, { token: old.token })).status).toBe(400)
    expect((await verify(server, { token: mail.token })).status).toBe(200)
  })

  it('link guessing is bounded: after maxAttempts wrong secrets the right link fails too', async () => {
    const email = uniqueEmail('emllinkcap')
    await seed(server.url, email)
    await start(server, email)
    const mail = await lastMessage(server.url, email)
    for (let i = 0; i < 5; i++) expect((await verify(server, { token: wrongSecret(mail.token, i) })).status).toBe(400)
    expect((await verify(server, { token: mail.token })).status).toBe(400)
  })
})

describe('[EML-7] at verify the account must still have the address the code was sent to', () => {
  it('a code sent to the old address does not sign in after the stored address changed', async () => {
    const before = uniqueEmail('emlold')
    const after = uniqueEmail('emlnew')
    await seed(server.url, before)
    await start(server, before)
    const mail = await lastMessage(server.url, before)
    expect(mail.email).toBe(before)
    await changeAddress(server.url, before, after)
    expect((await verify(server, { email: after, code: mail.code })).status).toBe(400)

    await start(server, before)
    const second = await lastMessage(server.url, before, 2).catch(() => undefined)
    // The old address has no account any more: no mail goes there.
    expect(second).toBeUndefined()
  }, 30_000)

  it('the same for the link, and a code for the new address works', async () => {
    const before = uniqueEmail('emloldlink')
    const after = uniqueEmail('emlnewlink')
    const id = await seed(server.url, before)
    await start(server, before)
    const mail = await lastMessage(server.url, before)
    await changeAddress(server.url, before, after)
    expect((await verify(server, { token: mail.token })).status).toBe(400)
    await start(server, after)
    const fresh = await lastMessage(server.url, after)
    const jar = new CookieJar()
    const ok = await verify(server, { email: after, code: fresh.code }, jar)
    expect(ok.status).toBe(200)
    expect(decodeJwt((await ok.json()).token)).toMatchObject({ sub: id, email: after })
  })

  it('a loosely matching findUser: a stored address changed to a look-alike spelling, typed as stored now, is refused', async () => {
    const tag = uniqueEmail('emllook').split('@')[0]
    const victim = `${tag}@example.com`
    const lookalike = `${tag}@exámple.com`
    await seed(loose.url, victim)
    await start(loose, victim)
    const mail = await lastMessage(loose.url, victim)
    await changeAddress(loose.url, victim, lookalike)
    // findUser finds the account for both spellings; neither is where the code went now.
    expect((await verify(loose, { email: lookalike, code: mail.code })).status).toBe(400)
    expect((await verify(loose, { email: victim, code: mail.code })).status).toBe(400)
  })

  it('a look-alike typed address never uses the account\'s code', async () => {
    const tag = uniqueEmail('emllook2').split('@')[0]
    const victim = `${tag}@example.com`
    await seed(loose.url, victim)
    await start(loose, victim)
    const mail = await lastMessage(loose.url, victim)
    for (const typed of [`${tag}@exámple.com`, `${tag}@exa\u00ADmple.com`]) expect((await verify(loose, { email: typed, code: mail.code })).status).toBe(400)
    expect((await verify(loose, { email: victim, code: mail.code })).status).toBe(200)
  })
})
