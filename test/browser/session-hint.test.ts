/**
 * Guests cost nothing: a browser without the session hint cookie makes no auth request on a page
 * load (and logs no error); a logged-in one makes exactly one refresh. A stale hint costs one 401
 * and is gone; a session from before the hint gets one from its first server render.
 */
import type { BrowserContext, Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { USER_NAME, browserUrl, gotoUrl, loginAsAlice, useBrowser, waitForText } from '../support/browser'
import { REFRESH_COOKIE } from '../support/http'

const { newPage } = useBrowser()
const base = browserUrl(inject('baseUrl'))
const HINT = `${REFRESH_COOKIE}-hint`

/** Every request of the page to `/auth/*` (method path -> status), and every console error or page error. */
function watch(page: Page) {
  const auth: string[] = []
  const errors: string[] = []
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname
    if (path.startsWith('/auth/')) auth.push(`${response.request().method()} ${path} ${response.status()}`)
  })
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', error => errors.push(error.message))
  return { auth, errors }
}

/** Waits until the client's start-up session check is over (whether or not it asked the server). */
async function settled(page: Page): Promise<string> {
  // gotoUrl waited for hydration: the client exists.
  await page.evaluate(async () => {
    const app = (document.querySelector('#__nuxt') as { __vue_app__?: { $nuxt?: { $aegis?: { ready: () => Promise<unknown> } } } } | null)?.__vue_app__
    await app!.$nuxt!.$aegis!.ready()
  })
  return (await page.getByTestId('status').textContent())!.trim()
}

const names = async (context: BrowserContext) => (await context.cookies(base)).map(cookie => cookie.name).sort()

async function loggedIn(page: Page) {
  await gotoUrl(page, `${base}/login`)
  await loginAsAlice(page)
  await page.waitForURL(url => url.pathname === '/')
  await waitForText(page, 'user-name', USER_NAME)
}

describe('[PERF-2] guests make no auth request', () => {
  it('a guest page load: zero auth requests, no console error, status guest', async () => {
    const { context, page } = await newPage()
    const seen = watch(page)
    await gotoUrl(page, `${base}/`)
    expect(await settled(page)).toBe('guest')
    // Another public page, loaded in full, asks nothing either.
    await gotoUrl(page, `${base}/foreign-fetch`)
    expect(await settled(page)).toBe('guest')
    expect(seen.auth).toEqual([])
    expect(seen.errors).toEqual([])
    expect(await names(context)).toEqual([])
  })

  it('a logged-in page load: exactly one refresh; the hint is readable by scripts and is not a token', async () => {
    const { context, page } = await newPage()
    await loggedIn(page)
    expect(await names(context)).toEqual([REFRESH_COOKIE, HINT])
    expect(await page.evaluate(() => document.cookie)).toBe(`${HINT}=1`)
    const seen = watch(page)
    await gotoUrl(page, `${base}/`)
    expect(await settled(page)).toBe('authenticated')
    await waitForText(page, 'user-name', USER_NAME)
    expect(seen.auth).toEqual(['POST /auth/refresh 200'])
    expect(seen.errors).toEqual([])

    // Logout clears both cookies: the next load is a guest's, without a request.
    await page.getByTestId('logout').click()
    await waitForText(page, 'status', 'guest')
    expect(await names(context)).toEqual([])
    seen.auth.length = 0
    await gotoUrl(page, `${base}/`)
    expect(await settled(page)).toBe('guest')
    expect(seen.auth).toEqual([])
  })

  it('a stale hint (no refresh cookie behind it): one 401, the hint is cleared, the next load asks nothing', async () => {
    const { context, page } = await newPage()
    await context.addCookies([{ name: HINT, value: '1', domain: new URL(base).hostname, path: '/', secure: true }])
    const seen = watch(page)
    await gotoUrl(page, `${base}/`)
    expect(await settled(page)).toBe('guest')
    expect(seen.auth).toEqual(['POST /auth/refresh 401'])
    expect(await names(context)).toEqual([])
    seen.auth.length = 0
    await gotoUrl(page, `${base}/`)
    expect(await settled(page)).toBe('guest')
    expect(seen.auth).toEqual([])
  })

  it('a session from before the hint (refresh cookie only): its first server render sets the hint, then one refresh', async () => {
    const { context, page } = await newPage()
    await loggedIn(page)
    await context.clearCookies({ name: HINT })
    expect(await names(context)).toEqual([REFRESH_COOKIE])
    const seen = watch(page)
    await gotoUrl(page, `${base}/`)
    expect(await settled(page)).toBe('authenticated')
    expect(seen.auth).toEqual(['POST /auth/refresh 200'])
    expect(await names(context)).toEqual([REFRESH_COOKIE, HINT])
  })
})
