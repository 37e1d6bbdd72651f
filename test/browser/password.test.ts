/** useAuth().loginWithPassword in a real browser against the shared fixture server. */
import { describe, expect, inject, it } from 'vitest'
import { browserUrl, gotoSettled, tokenOf, useBrowser, waitForText } from '../support/browser'
import { registerVerified, uniqueEmail } from '../support/password'

const { newContext } = useBrowser()
const server = inject('baseUrl')
const base = browserUrl(server)

describe('[PWD-10] password login in the browser', () => {
  it('logs in with loginWithPassword, keeps the token in memory and tells the other tabs', async () => {
    const email = uniqueEmail('browser')
    await registerVerified(server, email, 'browser-pass-1')
    const context = await newContext()
    const page = await context.newPage()
    const other = await context.newPage()
    await gotoSettled(page, `${base}/password-login`)
    await gotoSettled(other, `${base}/password-login`)
    await waitForText(other, 'status', 'guest')

    await page.getByTestId('email').fill(email)
    await page.getByTestId('password').fill('wrong-pass-1')
    await page.getByTestId('submit').click()
    await waitForText(page, 'result', 'error:invalid_credentials')
    await waitForText(page, 'status', 'guest')

    await page.getByTestId('password').fill('browser-pass-1')
    const login = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/password/login')
    await page.getByTestId('submit').click()
    expect((await login).status()).toBe(200)
    await waitForText(page, 'result', 'authenticated')
    await waitForText(page, 'status', 'authenticated')
    await waitForText(page, 'user-email', email)
    const token = await tokenOf(page)
    expect(token?.split('.')).toHaveLength(3)
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie)).not.toContain(token!)
    const cookies = await context.cookies(base)
    expect(cookies.sort((a, b) => a.name.localeCompare(b.name))).toEqual([expect.objectContaining({ name: '__Host-nuxt-aegis-refresh', httpOnly: true }), expect.objectContaining({ name: '__Host-nuxt-aegis-refresh-hint', httpOnly: false, value: '1' })])

    // The other tab got the login without a reload.
    await waitForText(other, 'status', 'authenticated')
    await waitForText(other, 'user-email', email)
  })
})
