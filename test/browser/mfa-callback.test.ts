/**
 * The second factor of an OAuth login in a real browser (Chromium through playwright-core): the
 * module's callback page shows the code form after `POST /auth/token` answered the step, in a
 * full page and in a login popup. Its own fixture server: alice gets a factor here, and the
 * shared servers' alice must stay without one.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { USER_NAME, browserUrl, gotoSettled, gotoUrl, hydrated, tokenOf, useBrowser, waitForText } from '../support/browser'
import { loginSession } from '../support/http'
import { postJson } from '../support/password'
import { TEST_SECRET, startServer } from '../support/server'
import type { RunningServer } from '../support/server'
import { authenticator, secretOf, totpCode } from '../support/totp'

const { newPage } = useBrowser()
let server: RunningServer
let base: string
let app: ReturnType<typeof authenticator>
let secret: string

beforeAll(async () => {
  server = await startServer({ NUXT_AEGIS_TOKEN_SECRET: TEST_SECRET, NUXT_AEGIS_PROVIDERS_MOCK_ENABLE_IN_PRODUCTION: 'true' })
  base = browserUrl(server.url)
  // Alice enrols TOTP from a one-factor session (before it, OAuth logins get tokens directly).
  const { token } = await loginSession(server.url, 'alice')
  const headers = { authorization: `Bearer ${token}` }
  const { uri } = await (await postJson(server.url, '/auth/mfa/totp/enroll', {}, { headers })).json()
  secret = secretOf(uri)
  app = authenticator(secret)
  expect((await postJson(server.url, '/auth/mfa/totp/confirm', { code: await app.code() }, { headers })).status).toBe(200)
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

const wrongCode = () => String((Number(totpCode(secret)) + 500_000) % 1_000_000).padStart(6, '0')

/** Types `code` into the callback page's form and sends it; resolves with the status of `/auth/mfa/verify`. */
async function submitCode(page: Page, code: string): Promise<number> {
  const verified = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/mfa/verify')
  await page.getByTestId('aegis-mfa-code').fill(code)
  await page.getByTestId('aegis-mfa-submit').click()
  return (await verified).status()
}

describe('[MFA-4] the callback page asks for the second factor of an OAuth login', () => {
  it('shows the code form, refuses a wrong code with a fixed message, and the right code lands on redirectTo logged in', async () => {
    const { context, page } = await newPage()
    await gotoUrl(page, `${base}/login?redirectTo=/members`)
    const exchanged = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/token')
    await page.getByTestId('login-alice').click()
    expect((await exchanged).status()).toBe(202)
    await page.getByTestId('aegis-mfa-form').waitFor()
    expect(new URL(page.url()).pathname).toBe('/auth/callback')
    expect(page.url()).not.toContain('code=')
    expect(await tokenOf(page)).toBeNull()
    // The step's binding is an HttpOnly cookie: the page's scripts never see it.
    const stepCookies = (await context.cookies()).filter(cookie => cookie.name.startsWith('nuxt-aegis-mfa-'))
    expect(stepCookies.map(cookie => ({ httpOnly: cookie.httpOnly, path: cookie.path }))).toEqual([{ httpOnly: true, path: '/auth/mfa/verify' }])

    expect(await submitCode(page, wrongCode())).toBe(400)
    const error = page.getByTestId('aegis-mfa-error')
    await error.waitFor()
    expect(await error.getAttribute('data-error')).toBe('invalid_code')
    expect((await error.textContent())?.trim()).toBe('That code is not valid. Please try again.')
    expect(await tokenOf(page)).toBeNull()

    expect(await submitCode(page, await app.code())).toBe(200)
    await page.waitForURL(url => url.origin === base && url.pathname === '/members')
    await hydrated(page)
    expect(await tokenOf(page)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect((await context.cookies()).some(cookie => cookie.name.startsWith('nuxt-aegis-mfa-'))).toBe(false)

    await gotoUrl(page, `${base}/`)
    await waitForText(page, 'status', 'authenticated')
    await waitForText(page, 'user-name', USER_NAME)
  })

  it('a step out of attempts ends the form with the fixed "log in again" message', async () => {
    const { page } = await newPage()
    await gotoUrl(page, `${base}/login?redirectTo=/members`)
    await page.getByTestId('login-alice').click()
    await page.getByTestId('aegis-mfa-form').waitFor()
    // maxAttempts (5) wrong codes: the fifth kills the step; the next answer is invalid_mfa_step.
    for (let i = 0; i < 5; i++) expect(await submitCode(page, wrongCode())).toBe(400)
    expect(await submitCode(page, wrongCode())).toBe(400)
    const error = page.locator('[data-testid="aegis-mfa-error"][data-error="expired"]')
    await error.waitFor()
    expect((await error.textContent())?.trim()).toBe('This sign-in has expired or had too many wrong codes. Please log in again. Back to login')
    expect(await page.getByTestId('aegis-mfa-form').count()).toBe(0)
    expect(await tokenOf(page)).toBeNull()
  })

  it('in a login popup: the popup shows the form, then hands the session to its opener', async () => {
    const { page } = await newPage()
    await gotoSettled(page, `${base}/popup`)
    await waitForText(page, 'status', 'guest')
    const popupOpened = page.waitForEvent('popup')
    await page.getByTestId('popup-alice').click()
    const popup = await popupOpened
    await popup.getByTestId('aegis-mfa-form').waitFor()
    // The opener is still waiting: the login is not done before the factor.
    await waitForText(page, 'login-result', 'pending')
    await waitForText(page, 'status', 'guest')

    expect(await submitCode(popup, await app.code())).toBe(200)
    await waitForText(page, 'login-result', 'authenticated')
    await waitForText(page, 'status', 'authenticated')
    await waitForText(page, 'user-name', USER_NAME)
    if (!popup.isClosed()) await popup.waitForEvent('close')
    expect(await tokenOf(page)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  })
})
