/**
 * Pages rendered in the browser only. The fixture marks `/spa/**` and `/members/spa` with the
 * route rule `ssr: false`: the server sends the SPA shell (no app render, no payload state, no
 * route middleware), exactly what every page of an `ssr: false` app gets, so the client alone
 * has to find the session, log in, guard pages and log out.
 */
import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { USER_NAME, browserUrl, gotoUrl, hydrated, loginAsAlice, tokenOf, useBrowser, waitForText } from '../support/browser'

const { newPage } = useBrowser()
const serverUrl = inject('baseUrl')
const base = browserUrl(serverUrl)

/** Paths of the POSTs to /auth/* a page makes from now on. */
function authPosts(page: Page): string[] {
  const posts: string[] = []
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname
    if (request.method() === 'POST' && path.startsWith('/auth/')) posts.push(path)
  })
  return posts
}

async function loginFromSpa(page: Page): Promise<void> {
  await gotoUrl(page, `${base}/spa`)
  await waitForText(page, 'spa-status', 'guest')
  await page.getByTestId('spa-login').click()
  await page.waitForURL(url => url.pathname === '/spa')
  await waitForText(page, 'user-name', USER_NAME)
}

describe('[CLIENT-9] ssr: false pages', () => {
  it('[CLIENT-9] the server sends the SPA shell for these routes, not a render', async () => {
    const spa = await (await fetch(`${serverUrl}/spa`)).text()
    expect(spa).toContain('id="__nuxt"')
    expect(spa).not.toContain('data-testid="spa-status"')
    // Contrast: an SSR page of the same app is rendered on the server.
    const ssr = await (await fetch(`${serverUrl}/`)).text()
    expect(ssr).toContain('data-testid="status"')
  })

  it('[CLIENT-9] logs in (full page) and comes back to the SPA page; a reload finds the session with one refresh', async () => {
    const { context, page } = await newPage()
    await loginFromSpa(page)
    expect(page.url()).not.toContain('code=')
    expect((await context.cookies(base)).map(cookie => cookie.name).sort()).toEqual(['__Host-nuxt-aegis-refresh', '__Host-nuxt-aegis-refresh-hint'])

    // Reload: the shell knows nothing; the client refreshes once from the cookie.
    const posts = authPosts(page)
    const refreshed = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/refresh')
    const response = (await page.reload())!
    expect(await response.text()).not.toContain(USER_NAME)
    expect((await refreshed).status()).toBe(200)
    await waitForText(page, 'spa-status', 'authenticated')
    await waitForText(page, 'user-name', USER_NAME)
    expect(posts).toEqual(['/auth/refresh'])
    expect(await tokenOf(page)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('[CLIENT-9] auth: true on a client-only page: a guest goes to login (by the browser) and back after login', async () => {
    const { page } = await newPage()
    const posts = authPosts(page)
    // The server does not guard this page (no glob): it answers 200 with the shell...
    const response = (await page.goto(`${base}/spa/account`))!
    expect(response.status()).toBe(200)
    expect(response.request().redirectedFrom()).toBeNull()
    // ...and the client middleware sends the guest to login (no session hint: no start-up request).
    await page.waitForURL(url => url.pathname === '/login')
    expect(new URL(page.url()).searchParams.get('redirectTo')).toBe('/spa/account')
    expect(posts).toEqual([])

    await loginAsAlice(page)
    await page.waitForURL(url => url.pathname === '/spa/account')
    await waitForText(page, 'account', `account of ${USER_NAME}`)

    // Logged in, a full load of the client-only protected page shows it after the start-up refresh.
    await gotoUrl(page, `${base}/spa/account`)
    await waitForText(page, 'account', `account of ${USER_NAME}`)
    expect(new URL(page.url()).pathname).toBe('/spa/account')
  })

  it('[CLIENT-9] a routeProtection glob guards client-only pages: on a full load (server) and on client navigation', async () => {
    const { page } = await newPage()
    // Full load: the server middleware redirects before any shell is sent.
    const response = (await page.goto(`${base}/members/spa`))!
    expect(new URL(page.url()).pathname).toBe('/login')
    expect(new URL(page.url()).searchParams.get('redirectTo')).toBe('/members/spa')
    expect(response.request().redirectedFrom()?.url()).toBe(`${base}/members/spa`)
    await hydrated(page)

    // Client navigation from a client-only page: the client middleware redirects.
    await gotoUrl(page, `${base}/spa`)
    await waitForText(page, 'spa-status', 'guest')
    await page.getByTestId('members-spa-link').click()
    await page.waitForURL(url => url.pathname === '/login')
    expect(new URL(page.url()).searchParams.get('redirectTo')).toBe('/members/spa')

    await loginAsAlice(page)
    await page.waitForURL(url => url.pathname === '/members/spa')
    await waitForText(page, 'members-spa', `spa members area of ${USER_NAME}`)

    // Logged in, client navigation between client-only pages passes the guards.
    await gotoUrl(page, `${base}/spa`)
    await waitForText(page, 'spa-status', 'authenticated')
    await page.getByTestId('account-link').click()
    await waitForText(page, 'account', `account of ${USER_NAME}`)
  })

  it('[CLIENT-9] logs out from a client-only page; a reload stays logged out', async () => {
    const { context, page } = await newPage()
    await loginFromSpa(page)
    await page.getByTestId('logout').click()
    await waitForText(page, 'spa-status', 'guest')
    expect(await context.cookies(base)).toEqual([])
    expect(await tokenOf(page)).toBeNull()

    const posts = authPosts(page)
    await page.reload()
    await waitForText(page, 'spa-status', 'guest')
    expect(posts).toEqual([])
    // A protected client-only page now sends the guest to login again.
    await page.getByTestId('account-link').click()
    await page.waitForURL(url => url.pathname === '/login')
  })
})
