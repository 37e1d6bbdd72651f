import { describe, expect, it } from 'vitest'
import { postJson, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'

// The per-account limits must not tell known addresses from unknown ones. An unknown address
// counts under a key of its look-alike spelling; a known account counts under that key too, so
// "a few requests with a spelling that is never mailed, then the real address" answers the same
// either way (SECURITY.md: one answer for known and unknown accounts).
const server = usePasswordServer({ NUXT_AEGIS_TRUST_PROXY: '1' })

async function seed(email: string): Promise<void> {
  const response = await fetch(new URL('/api/test/password/seed', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'seeded-pass-1' }) })
  expect(response.ok).toBe(true)
}

/** The address with its domain's first letter accented: the same account for a loose collation, never mailed. */
const lookalike = (email: string) => email.replace('@example.com', '@\u00E9xample.com')

/** Statuses of `limit` look-alike requests and then one with the real address (fresh IPs: only the per-account limit counts). */
async function probe(path: string, email: string, limit: number): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < limit; i++) statuses.push((await postJson(server.url, path, { email: lookalike(email) }, { ip: uniqueIp() })).status)
  statuses.push((await postJson(server.url, path, { email }, { ip: uniqueIp() })).status)
  return statuses
}

describe('[PWD-4] [EML-1] per-account limits answer alike for known and unknown addresses', () => {
  it.each([
    ['/auth/email/start', 4],
    ['/auth/password/reset', 4],
  ])('%s: look-alike requests use up the real address\'s budget, account or not', async (path, limit) => {
    const known = uniqueEmail('known')
    await seed(known)
    const forKnown = await probe(path, known, limit)
    const forUnknown = await probe(path, uniqueEmail('ghost'), limit)
    expect(forKnown).toEqual(forUnknown)
    expect(forKnown.at(-1)).toBe(429)
  })
})

describe('[EML-1] a password set before the address was verified', () => {
  it('keeps the account out of the email login: no code is sent, so the mailbox owner never takes over a squatter\'s account', async () => {
    const victim = uniqueEmail('squatted')
    // The attacker registers the victim's address with a password and never verifies it.
    const registered = await postJson(server.url, '/auth/password/register', { email: victim, password: 'squatter-pass-1' }, { ip: uniqueIp() })
    expect(registered.status).toBe(202)
    const started = await postJson(server.url, '/auth/email/start', { email: victim }, { ip: uniqueIp() })
    expect(started.status).toBe(202)
    // A known address's mail is handed off on the next turn; give it that and more.
    await new Promise(resolve => setTimeout(resolve, 300))
    const mails = await (await fetch(new URL(`/api/test/password/outbox?email=${encodeURIComponent(victim)}`, server.url))).json() as { purpose: string }[]
    expect(mails.map(mail => mail.purpose)).not.toContain('email')
  })
})
