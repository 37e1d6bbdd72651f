/**
 * <AuthState> in a real browser: the default slot with { loggedIn, user, status }, the
 * placeholder while the state is unknown (a page rendered without a session, as a prerendered
 * one is), filled in by the browser after hydration without a hydration mismatch.
 */
import type { Page } from 'playwright-core'
import { describe, expect, inject, it } from 'vitest'
import { USER_NAME, browserUrl, gotoSettled, gotoUrl, loginAsAlice, useBrowser, waitForText } from '../support/browser'

const { newPage } = useBrowser()
const base = browserUrl(inject('baseUrl'))

/** Console errors and warnings of the page (a hydration mismatch is one). */
function consoleProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text())
  })
  page.on('pageerror', error => problems.push(error.message))
  return problems
}

async function loggedIn(page: Page): Promise<void> {
  await gotoUrl(page, `${base}/login`)
  await loginAsAlice(page)
  await page.waitForURL(url => url.pathname === '/')
  await waitForText(page, 'user-name', USER_NAME)
}

describe('[DX-4] <AuthState>', () => {
  it('a guest: the server renders the default slot with loggedIn false, the browser keeps it', async () => {
    const { page } = await newPage()
    const problems = consoleProblems(page)
    const response = await gotoSettled(page, `${base}/auth-state`)
    const html = await response!.text()
    expect(html).toContain('data-status="guest"')
    expect(html).not.toContain('auth-state-placeholder')
    await waitForText(page, 'auth-state', 'out')
    expect(problems.filter(text => !text.includes('401'))).toEqual([])
  })

  it('logged in: the server render already holds the user (no placeholder)', async () => {
    const { page } = await newPage()
    await loggedIn(page)
    const problems = consoleProblems(page)
    const response = await gotoSettled(page, `${base}/auth-state`)
    const html = await response!.text()
    expect(html).toContain('data-status="authenticated"')
    expect(html).toContain(`in: ${USER_NAME}`)
    await waitForText(page, 'auth-state', `in: ${USER_NAME}`)
    expect(problems).toEqual([])
  })

  it('a page rendered without a session: the HTML has the placeholder, the browser fills in the user', async () => {
    const { page } = await newPage()
    await loggedIn(page)
    const problems = consoleProblems(page)
    const response = await gotoSettled(page, `${base}/cached-auth-state`)
    const html = await response!.text()
    expect(html).toContain('data-testid="auth-state-placeholder"')
    expect(html).not.toContain('Alice')
    await waitForText(page, 'auth-state', `in: ${USER_NAME}`)
    expect(await page.getByTestId('auth-state').getAttribute('data-status')).toBe('authenticated')
    expect(await page.getByTestId('auth-state-placeholder').count()).toBe(0)
    expect(problems).toEqual([])
  })

  it('client-side navigation renders the live state at once', async () => {
    const { page } = await newPage()
    await loggedIn(page)
    await page.evaluate(() => (document.querySelector('#__nuxt') as unknown as { __vue_app__: { $nuxt: { $router: { push: (path: string) => Promise<void> } } } }).__vue_app__.$nuxt.$router.push('/cached-auth-state'))
    await waitForText(page, 'auth-state', `in: ${USER_NAME}`)
  })
})
