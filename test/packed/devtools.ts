/**
 * The DevTools tab on a fresh app's dev server: its data routes over HTTP, and its page in
 * Chromium, embedded in the logged-in app page as the DevTools panel embeds it (an iframe of a
 * same-origin ancestor). With AEGIS_SCREENSHOT_DIR set, a screenshot of the tab is saved there.
 */
import { chromium } from 'playwright-core'
import { expect } from 'vitest'
import { send } from '../support/http'

const CHROMIUM = process.env.AEGIS_CHROMIUM ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

async function json(base: string, path: string): Promise<Record<string, unknown>> {
  const response = await send(new URL(path, base))
  expect(response.status, path).toBe(200)
  return response.json() as Promise<Record<string, unknown>>
}

/** Over HTTP: the tab's page and data, no secret in them, the login in its events. */
export async function checkDevtoolsRoutes(base: string, secret: string): Promise<void> {
  const page = await send(new URL('/auth/_devtools', base))
  expect(page.status).toBe(200)
  expect(await page.text()).toContain('nuxt-aegis')
  const state = await json(base, '/auth/_devtools/state')
  expect(JSON.stringify(state)).not.toContain(secret)
  expect(state.providers).toContainEqual({ name: 'mock', redirectUri: `${base}/auth/mock`, origin: 'request', note: 'built-in mock: nothing to register' })
  expect(await json(base, '/auth/_devtools/route?path=/Dashboard/')).toMatchObject({ normalized: '/dashboard', protected: true, decidedBy: { list: 'protectedRoutes', glob: '/dashboard/**' } })
  const { events } = await json(base, '/auth/_devtools/events?since=0') as { events: Array<Record<string, unknown>> }
  expect(events).toContainEqual(expect.objectContaining({ type: 'login', sub: 'mock-alice', provider: 'mock' }))
}

/** In Chromium: the README's login button, then the tab shows the session of the app page it sits in. */
export async function checkDevtoolsInBrowser(base: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    await page.goto(`${base}/login`)
    await page.waitForFunction(() => (document.querySelector('#__nuxt') as { __vue_app__?: { $nuxt?: { isHydrating?: boolean } } } | null)?.__vue_app__?.$nuxt?.isHydrating === false, undefined, { timeout: 120_000 })
    await page.getByRole('button', { name: 'Log in as Alice' }).click()
    await page.waitForURL(url => url.pathname === '/dashboard', { timeout: 120_000 })
    await page.getByText('Hello Alice Example').waitFor({ timeout: 120_000 })
    // As the DevTools panel does: an iframe of the tab inside the app's page.
    await page.evaluate(() => {
      const frame = document.createElement('iframe')
      frame.id = 'aegis-devtools'
      frame.src = '/auth/_devtools'
      frame.style.cssText = 'position:fixed;inset:0;width:100%;height:100%;border:0;background:Canvas'
      document.body.append(frame)
    })
    const tab = page.frameLocator('#aegis-devtools')
    await tab.getByTestId('status').filter({ hasText: 'authenticated' }).waitFor()
    await expect.poll(() => tab.getByTestId('claims').textContent()).toContain('"sub": "mock-alice"')
    await tab.getByTestId('events').getByText('login').first().waitFor()
    await tab.getByTestId('sessions').getByText('this one').waitFor()
    await tab.getByTestId('route-verdict').filter({ hasText: 'protected' }).waitFor()
    expect(await tab.getByTestId('route-normalized').textContent()).toBe('/dashboard')
    if (process.env.AEGIS_SCREENSHOT_DIR) await page.locator('#aegis-devtools').screenshot({ path: `${process.env.AEGIS_SCREENSHOT_DIR}/devtools.png` })
  }
  finally {
    await browser.close()
  }
}
