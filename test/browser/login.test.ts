/**
 * The client in a real browser (Chromium through playwright-core) against the shared fixture
 * server with the mock provider on: login, start-up refresh, the module fetch, page protection,
 * a bad CODE on the callback page, logout.
 */
import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { USER_NAME, browserUrl, gotoUrl, hydrated, loginAsAlice, startForeignServer, useBrowser, waitForText } from '../support/browser'

const { newPage } = useBrowser()
const base = browserUrl(inject('baseUrl'))

async function goto(page: Page, path: string): Promise<void> {
  await gotoUrl(page, `${base}${path}`)
}

/** Every place a script could read: the token must be in none of them. */
async function readableStorage(page: Page): Promise<string> {
  return page.evaluate(() => JSON.stringify({
    local: { ...localStorage },
    session: { ...sessionStorage },
    cookie: document.cookie,
    html: document.documentElement.outerHTML,
  }))
}

describe('login in the browser', () => {
  it('[CLIENT-1][CLIENT-2] logs in through the mock provider, drops the CODE from the URL and keeps the token out of storage', async () => {
    const { context, page } = await newPage()
    // Every Referer the browser sends: none may carry the CODE of the callback URL.
    const referers: Promise<string | undefined>[] = []
    page.on('request', request => referers.push(request.allHeaders().then(headers => headers.referer, () => undefined)))
    await goto(page, '/login')
    const token = (await (await loginAsAlice(page)).json() as { token: string }).token
    expect(token.split('.')).toHaveLength(3)

    await page.waitForURL(url => url.pathname === '/')
    await waitForText(page, 'user-name', USER_NAME)
    await waitForText(page, 'status', 'authenticated')
    expect(page.url()).not.toContain('code=')
    expect((await Promise.all(referers)).filter(referer => referer?.includes('code='))).toEqual([])

    // Memory only: nothing a script can read holds the access token.
    expect(await readableStorage(page)).not.toContain(token)
    // The refresh token is a cookie scripts cannot read.
    const cookies = await context.cookies(base)
    expect(cookies.map(cookie => cookie.name).sort()).toEqual(['__Host-nuxt-aegis-refresh', '__Host-nuxt-aegis-refresh-hint'])
    const refreshCookie = cookies.find(cookie => cookie.name === '__Host-nuxt-aegis-refresh')!
    expect(refreshCookie).toMatchObject({ httpOnly: true, secure: true, path: '/' })
    expect(refreshCookie.value).not.toBe(token)
    // The one cookie scripts can read is the session hint: `1`, no token.
    expect(cookies.find(cookie => cookie.name.endsWith('-hint'))).toMatchObject({ httpOnly: false, secure: true, path: '/', value: '1' })

    // The callback URL with its CODE is not left in the history either.
    await page.goBack()
    expect(page.url()).not.toContain('code=')
    if (process.env.AEGIS_SCREENSHOT_DIR) {
      await page.goto(`${base}/`)
      await waitForText(page, 'user-name', USER_NAME)
      await page.screenshot({ path: `${process.env.AEGIS_SCREENSHOT_DIR}/aegis-logged-in.png` })
    }
  })

  it('[CLIENT-3] refreshes from the HttpOnly cookie after a reload and sends the token to same-origin URLs only', async () => {
    // A server on another origin that records what it receives (CORS open, so any header could be sent).
    const foreign = await startForeignServer()
    const { received, port: foreignPort } = foreign

    try {
      const { page } = await newPage()
      const seen: { url: string, authorization?: string }[] = []
      page.on('request', (request) => {
        const headers = request.headers()
        seen.push({ url: request.url(), authorization: headers.authorization })
      })

      await goto(page, '/login')
      await loginAsAlice(page)
      await waitForText(page, 'user-name', USER_NAME)

      // Reload: the in-memory token is gone; the app refreshes once from the cookie.
      seen.length = 0
      const refreshed = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/refresh')
      await page.reload()
      expect((await refreshed).status()).toBe(200)
      await hydrated(page)
      await waitForText(page, 'user-name', USER_NAME)
      expect(seen.filter(request => new URL(request.url).pathname === '/auth/refresh')).toHaveLength(1)

      await page.getByTestId('call-api').click()
      await waitForText(page, 'api-result', 'ok:mock-alice')
      const whoami = seen.filter(request => new URL(request.url).pathname === '/api/protected/whoami')
      expect(whoami).toHaveLength(1)
      expect(whoami[0]!.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)

      // Same logged-in app: useAuth().fetch to other origins (other host, other port,
      // protocol-relative) sends no Authorization header and needs no preflight for one.
      await goto(page, '/foreign-fetch')
      await waitForText(page, 'status', 'authenticated')
      const targets = [
        `http://127.0.0.1:${foreignPort}/x`,
        `http://localhost:${foreignPort}/y`,
        `//127.0.0.1:${foreignPort}/z`,
      ]
      for (const target of targets) {
        await page.getByTestId('target').fill(target)
        await page.getByTestId('call-target').click()
        await waitForText(page, 'target-result', 'ok:{"foreign":true}')
      }
      expect(received.map(request => request.method)).toEqual(['GET', 'GET', 'GET'])
      for (const request of received) {
        expect(request.headers.authorization).toBeUndefined()
        expect(request.headers['access-control-request-headers'] ?? '').not.toContain('authorization')
      }
      const foreignSeen = seen.filter(request => new URL(request.url).port === String(foreignPort))
      expect(foreignSeen).toHaveLength(3)
      expect(foreignSeen.every(request => request.authorization === undefined)).toBe(true)

      // ...while a same-origin call from the same page still carries it.
      await page.getByTestId('target').fill('/api/protected/whoami')
      await page.getByTestId('call-target').click()
      await waitForText(page, 'target-result', 'ok:{"sub":"mock-alice","role":"admin"}')
      expect(seen.filter(request => new URL(request.url).pathname === '/api/protected/whoami').at(-1)!.authorization).toMatch(/^Bearer /)
    }
    finally {
      await foreign.close()
    }
  })

  it('[CLIENT-4] sends guests from protected pages to the login page and back, and logged-in users away from guest pages', async () => {
    const { page } = await newPage()
    // A full page load of a protected page (server-side middleware).
    await goto(page, '/members')
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(new URL(page.url()).searchParams.get('redirectTo')).toBe('/members')

    // A client-side navigation to it (client-side middleware).
    await goto(page, '/')
    await waitForText(page, 'status', 'guest')
    await page.getByTestId('members-link').click()
    await page.waitForURL(url => url.pathname === '/login')
    expect(new URL(page.url()).searchParams.get('redirectTo')).toBe('/members')

    // Logging in from there returns to the protected page.
    await loginAsAlice(page)
    await page.waitForURL(url => url.pathname === '/members')
    await waitForText(page, 'members', `members area of ${USER_NAME}`)
    expect(page.url()).not.toContain('code=')

    // A logged-in user opening the guest-only login page is sent to redirect.success.
    await goto(page, '/login')
    await page.waitForURL(url => url.pathname === '/')
    await waitForText(page, 'user-name', USER_NAME)
  })

  it('[CLIENT-2] shows an error for a bad CODE and removes it from the URL', async () => {
    const { page } = await newPage()
    const bogus = 'bogus'.padEnd(43, 'x')
    const exchanged = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/token')
    await page.goto(`${base}/auth/callback?code=${bogus}`)
    expect((await exchanged).status()).toBe(400)
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toContain('This login link is invalid or has expired')
    expect(page.url()).not.toContain('code=')
    expect(page.url()).not.toContain(bogus)
    expect(new URL(page.url()).pathname).toBe('/auth/callback')
  })

  it('[CLIENT-2] a logged-in user who opens a bad callback link is still known as logged in', async () => {
    const { page } = await newPage()
    await goto(page, '/login')
    await loginAsAlice(page)
    await waitForText(page, 'user-name', USER_NAME)
    await page.goto(`${base}/auth/callback?code=${'bogus'.padEnd(43, 'y')}`)
    await page.getByRole('alert').waitFor()
    // The guest-only login page sends a known user on to redirect.success.
    await page.getByRole('link', { name: 'Back to login' }).click()
    await page.waitForURL(url => url.pathname === '/')
    await waitForText(page, 'user-name', USER_NAME)
  })

  it('logs out: the status turns to guest and a reload stays logged out', async () => {
    const { context, page } = await newPage()
    await goto(page, '/login')
    await loginAsAlice(page)
    await waitForText(page, 'user-name', USER_NAME)
    expect(await context.cookies(base)).toHaveLength(2)

    await page.getByTestId('logout').click()
    await waitForText(page, 'status', 'guest')
    expect(await page.getByTestId('user-name').count()).toBe(0)
    expect(await context.cookies(base)).toHaveLength(0)

    // The server render already shows a guest, and without the session hint the browser asks nothing.
    const auth: string[] = []
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/auth/')) auth.push(request.url())
    })
    const response = await page.reload()
    expect(await response!.text()).toContain('guest')
    await hydrated(page)
    expect(auth).toEqual([])
    await waitForText(page, 'status', 'guest')
    expect(await page.getByTestId('user-name').count()).toBe(0)
  })
})
