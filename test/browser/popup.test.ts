/**
 * `login(provider, { popup: true })` in a real browser (Chromium through playwright-core):
 * the popup runs the provider flow and the CODE exchange, reports to its opener over a
 * same-origin postMessage, and the opener shows the user without a navigation.
 */
import type { Page, Request, Route } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { USER_NAME, browserUrl, gotoSettled, tokenOf, useBrowser, waitForText } from '../support/browser'
import { REFRESH_COOKIE } from '../support/http'
import { POPUP_NAME } from '../../src/runtime/app/popup'

const { newPage } = useBrowser()
const base = browserUrl(inject('baseUrl'))

/** The opener's document loads from now on: a login "without navigation" adds none. */
function documentLoads(page: Page): string[] {
  const loads: string[] = []
  page.on('request', (request) => {
    if (request.resourceType() === 'document' && request.frame() === page.mainFrame()) loads.push(request.url())
  })
  return loads
}

/** Opens /popup as a guest, its start-up check done. */
async function guestOnPopupPage(page: Page): Promise<void> {
  await gotoSettled(page, `${base}/popup`)
  await waitForText(page, 'status', 'guest')
}

async function closed(popup: Page): Promise<void> {
  if (!popup.isClosed()) await popup.waitForEvent('close')
}

/**
 * Closes the login popup as a user would, while its first request is held. Playwright reports
 * a popup only once its first navigation commits, so the window is reached by its name instead
 * (`window.open('', name)` returns the open window without navigating it).
 */
async function closePopupWindow(opener: Page): Promise<void> {
  const found = await opener.evaluate((name) => {
    const popup = window.open('', name)
    popup?.close()
    return popup !== null
  }, POPUP_NAME)
  expect(found).toBe(true)
}

describe('[CLIENT-8] login in a popup', () => {
  it('[CLIENT-8] the popup exchanges the CODE and reports to the opener, which shows the user without a navigation and closes the popup', async () => {
    const { context, page } = await newPage()
    await guestOnPopupPage(page)
    const loads = documentLoads(page)
    // Every request of the profile: which window sent the CODE exchange, and what the popup loaded.
    const requests: Request[] = []
    context.on('request', request => requests.push(request))

    const popupOpened = page.waitForEvent('popup')
    const exchanged = context.waitForEvent('response', response => new URL(response.url()).pathname === '/auth/token')
    await page.getByTestId('popup-alice').click()
    const popup = await popupOpened
    const tokenResponse = await exchanged
    expect(tokenResponse.status()).toBe(200)
    // The popup's own callback page made the exchange (the CODE stayed in the popup).
    expect(tokenResponse.frame().page()).toBe(popup)

    await waitForText(page, 'login-result', 'authenticated')
    await waitForText(page, 'status', 'authenticated')
    await waitForText(page, 'user-name', USER_NAME)
    await closed(popup)
    expect(popup.isClosed()).toBe(true)
    // The opener never navigated and asked the server for nothing: its token came from the popup...
    expect(loads).toEqual([])
    const openerAuthCalls = requests.filter(request => request.frame().page() === page && new URL(request.url()).pathname.startsWith('/auth/'))
    expect(openerAuthCalls.map(request => request.url())).toEqual([])
    // ...and it is a token the server accepts, for alice.
    const token = await tokenOf(page)
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    const whoami = await fetch(new URL('/api/protected/whoami', inject('baseUrl')), { headers: { authorization: `Bearer ${token}` } })
    expect(whoami.status).toBe(200)
    expect(await whoami.json()).toMatchObject({ sub: 'mock-alice' })
    // The refresh cookie was set for this origin by the same-origin POST, as for a full-page login.
    const cookies = await context.cookies(base)
    expect(cookies.map(cookie => cookie.name).sort()).toEqual([REFRESH_COOKIE, `${REFRESH_COOKIE}-hint`])
    expect(cookies.find(cookie => cookie.name === REFRESH_COOKIE)).toMatchObject({ httpOnly: true, secure: true })
    // No request of the profile ever left this origin with the token or went to another origin.
    for (const request of requests) expect(new URL(request.url()).origin).toBe(base)

    // A reload of the opener: the session is a normal one (server render knows the user).
    const reloaded = (await page.reload())!
    expect(await reloaded.text()).toContain(USER_NAME)
  })

  it('[CLIENT-8] with redirectTo the opener goes there after the popup login (client-side)', async () => {
    const { page } = await newPage()
    await guestOnPopupPage(page)
    const loads = documentLoads(page)
    const popupOpened = page.waitForEvent('popup')
    await page.getByTestId('popup-alice-members').click()
    const popup = await popupOpened
    await page.waitForURL(url => url.pathname === '/members')
    await waitForText(page, 'members', `members area of ${USER_NAME}`)
    await closed(popup)
    expect(loads).toEqual([])
  })

  it('[CLIENT-8] closing the popup before the login finished resolves login() as cancelled and creates no session', async () => {
    const { context, page } = await newPage()
    await guestOnPopupPage(page)
    // Hold the popup's first request (the login start), as a user still deciding at the provider
    // would hold it. (Playwright routes the first request of a redirect chain only.)
    let held: Route | undefined
    const atProvider = new Promise<void>((resolve) => {
      void context.route(url => url.pathname === '/auth/mock', (route) => {
        held = route
        resolve()
      })
    })
    const tokenCalls: string[] = []
    context.on('request', (request) => {
      if (new URL(request.url()).pathname === '/auth/token') tokenCalls.push(request.url())
    })

    await page.getByTestId('popup-alice').click()
    await atProvider
    await waitForText(page, 'login-result', 'pending')
    await closePopupWindow(page)

    await waitForText(page, 'login-result', 'cancelled')
    await waitForText(page, 'status', 'guest')
    expect(tokenCalls).toEqual([])
    expect(await context.cookies(base)).toEqual([])
    await held?.abort().catch(() => {})
  })

  it('[CLIENT-8] a login the provider refuses rejects login() with the error code and closes the popup', async () => {
    const { context, page } = await newPage()
    await guestOnPopupPage(page)
    const popupOpened = page.waitForEvent('popup')
    await page.getByTestId('popup-denied').click()
    const popup = await popupOpened
    await waitForText(page, 'login-result', 'error:access_denied')
    await closed(popup)
    await waitForText(page, 'status', 'guest')
    expect(await context.cookies(base)).toEqual([])
  })

  it('[CLIENT-8] a blocked popup falls back to a full-page login', async () => {
    const { page } = await newPage()
    await guestOnPopupPage(page)
    // What a popup blocker does: window.open returns null. (Chromium under playwright never blocks.)
    await page.evaluate(() => {
      window.open = () => null
    })
    const popups: Page[] = []
    page.on('popup', popup => popups.push(popup))
    const exchanged = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/token')
    await page.getByTestId('popup-alice').click()
    expect((await exchanged).status()).toBe(200)
    // No redirectTo: the full-page flow ends at redirect.success, logged in.
    await page.waitForURL(url => url.pathname === '/')
    await waitForText(page, 'user-name', USER_NAME)
    expect(popups).toEqual([])
  })

  it('[CLIENT-8] login() ignores look-alike reports from other windows of the same origin (the page itself, a same-origin iframe)', async () => {
    const { page } = await newPage()
    await guestOnPopupPage(page)
    // Hold the popup at the login start so the opener is still waiting.
    const atProvider = new Promise<void>((resolve) => {
      void page.context().route(url => url.pathname === '/auth/mock', () => resolve())
    })
    await page.getByTestId('popup-alice').click()
    await atProvider
    // A forged success from the opener itself (not the popup) and a same-origin iframe: both ignored.
    await page.evaluate(() => {
      const seen = window as { forgedSeen?: number }
      seen.forgedSeen = 0
      // Registered after login()'s own listener, so it runs after it for each message.
      window.addEventListener('message', (event) => {
        if ((event.data as { type?: string } | null)?.type === 'nuxt-aegis:login') seen.forgedSeen! += 1
      })
      const forged = { type: 'nuxt-aegis:login', result: 'success', session: { type: 'token', token: 'a.b.c', expiresIn: 600 } }
      window.postMessage(forged, window.location.origin)
      const frame = document.createElement('iframe')
      frame.src = '/api/public/ping'
      // Run the post in the iframe's own realm, so the message's source is the iframe window.
      frame.onload = () => new (frame.contentWindow as unknown as { Function: FunctionConstructor }).Function('message', 'origin', 'parent.postMessage(message, origin)')(forged, window.location.origin)
      document.body.append(frame)
    })
    await page.waitForFunction(() => (window as { forgedSeen?: number }).forgedSeen === 2)
    // Both reached the page while login() was still waiting, and changed nothing.
    await waitForText(page, 'login-result', 'pending')
    await waitForText(page, 'status', 'guest')
    await closePopupWindow(page)
    await waitForText(page, 'login-result', 'cancelled')
    await waitForText(page, 'status', 'guest')
    expect(await tokenOf(page)).toBeNull()
  })
})
