/**
 * A real login in Chromium through a real OpenID provider: the app's login button, the local
 * oidc-provider's own login and consent forms, back to the app, logged in.
 */
import { describe, expect, inject, it } from 'vitest'
import { gotoUrl, hydrated, useBrowser, waitForText } from '../support/browser'

const { newPage } = useBrowser()
// Already `localhost`: the app's siteUrl, so redirect_uri and the browser agree.
const appUrl = inject('oidcAppUrl')
const issuer = inject('oidcIssuerUrl')

describe('[OIDC-2] login through oidc-provider in the browser', () => {
  it('fills in the provider\'s login and consent forms and lands on the app logged in', async () => {
    const { context, page } = await newPage()
    // oidc-provider's pages @import a web font: keep the test off the internet (and not waiting on it).
    await context.route(url => !['127.0.0.1', 'localhost'].includes(url.hostname), route => route.abort())
    await gotoUrl(page, `${appUrl}/login?redirectTo=/members`)
    await page.getByTestId('login-oidc').click()

    // The provider's own login form (devInteractions).
    await page.waitForURL(url => url.origin === issuer && url.pathname.startsWith('/interaction/'))
    await page.locator('input[name="login"]').fill('carol')
    await page.locator('input[name="password"]').fill('any password')
    await page.locator('button[type="submit"]').click()

    // Its consent form.
    await page.waitForURL(url => url.origin === issuer && url.pathname.startsWith('/interaction/'))
    await page.locator('form input[name="prompt"][value="consent"]').waitFor({ state: 'attached' })
    const tokenResponse = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/token')
    await page.locator('button[type="submit"]').click()

    // Back in the app: callback page, token, then the validated redirectTo.
    expect((await tokenResponse).status()).toBe(200)
    await page.waitForURL(url => url.origin === appUrl && url.pathname === '/members')
    await hydrated(page)
    expect(page.url()).not.toContain('code=')

    await gotoUrl(page, `${appUrl}/`)
    await waitForText(page, 'status', 'authenticated')
    await waitForText(page, 'user-name', 'OIDC carol')
    await page.getByTestId('call-api').click()
    await waitForText(page, 'api-result', 'ok:carol')

    // The app's cookies are the HttpOnly refresh cookie and its session hint (`1`); the provider's tokens never reach the browser.
    const cookies = await context.cookies(appUrl)
    expect(cookies.map(cookie => ({ name: cookie.name, httpOnly: cookie.httpOnly })).sort((a, b) => a.name.localeCompare(b.name))).toEqual([{ name: '__Host-nuxt-aegis-refresh', httpOnly: true }, { name: '__Host-nuxt-aegis-refresh-hint', httpOnly: false }])
    expect(cookies.find(cookie => cookie.httpOnly === false)!.value).toBe('1')
  })
})
