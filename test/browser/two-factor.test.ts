/** useAuth().loginWithPassword → 'mfa_required' → mfa.verify({ code }) in Chromium. */
import { describe, expect, it } from 'vitest'
import { decodeJwt } from '../support/http'
import { gotoSettled, tokenOf, useBrowser, waitForText } from '../support/browser'
import { postJson, uniqueEmail, uniqueIp, usePasswordServer } from '../support/password'
import { freePort } from '../support/server'
import { authenticator, secretOf, totpCode } from '../support/totp'

const port = String(await freePort())
const server = usePasswordServer({ PORT: port, NUXT_PUBLIC_SITE_URL: `http://localhost:${port}` })
const { newPage } = useBrowser()
const base = `http://localhost:${port}`
const PASSWORD = 'factor-pass-1'

/** A seeded password account with TOTP enrolled and confirmed over HTTP; its authenticator app. */
async function userWithTotp() {
  const email = uniqueEmail('brmfa')
  const seeded = await fetch(new URL('/api/test/password/seed', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) })
  const { id } = await seeded.json() as { id: string }
  const ip = uniqueIp()
  // From node to 127.0.0.1, as a page of the site (siteUrl is http://localhost:PORT) sends it.
  const origin = { origin: base }
  const login = await postJson(server.url, '/auth/password/login', { email, password: PASSWORD }, { ip, headers: origin })
  expect(login.status).toBe(200)
  const bearer = { ...origin, authorization: `Bearer ${(await login.json()).token}` }
  const enrol = await (await postJson(server.url, '/auth/mfa/totp/enroll', {}, { ip, headers: bearer })).json()
  const app = authenticator(secretOf(enrol.uri))
  expect((await postJson(server.url, '/auth/mfa/totp/confirm', { code: await app.code() }, { ip, headers: bearer })).status).toBe(200)
  return { email, sub: id, app, secret: secretOf(enrol.uri) }
}

describe('[MFA-9] second factor after a password login, in the browser', () => {
  it('loginWithPassword resolves mfa_required without a session; mfa.verify with a TOTP code signs in', async () => {
    const { email, sub, app, secret } = await userWithTotp()
    const { context, page } = await newPage()
    await gotoSettled(page, `${base}/password-mfa-login`)
    await page.getByTestId('email').fill(email)
    await page.getByTestId('password').fill(PASSWORD)
    const step = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/password/login')
    await page.getByTestId('submit').click()
    expect((await step).status()).toBe(202)
    await waitForText(page, 'result', 'mfa_required')
    await waitForText(page, 'pending', 'totp,recovery_code')
    await waitForText(page, 'status', 'guest')
    expect(await tokenOf(page)).toBeNull()
    expect((await context.cookies(base)).map(cookie => cookie.name)).not.toContain('__Host-nuxt-aegis-refresh')

    // Half the code space away from the current code: not one of the window's codes.
    await page.getByTestId('code').fill(String((Number(totpCode(secret)) + 500_000) % 1_000_000).padStart(6, '0'))
    await page.getByTestId('verify').click()
    await waitForText(page, 'result', 'error:invalid_mfa_code')
    await waitForText(page, 'status', 'guest')

    await page.getByTestId('code').fill(await app.code())
    const verified = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/mfa/verify')
    await page.getByTestId('verify').click()
    expect((await verified).status()).toBe(200)
    await waitForText(page, 'result', 'authenticated')
    await waitForText(page, 'status', 'authenticated')
    await waitForText(page, 'user-email', email)
    await waitForText(page, 'pending', 'none')
    expect(decodeJwt((await tokenOf(page))!)).toMatchObject({ sub, provider: 'password', amr: ['pwd', 'otp', 'mfa'] })
    expect((await context.cookies(base)).map(cookie => cookie.name)).toContain('__Host-nuxt-aegis-refresh')
  })
})
