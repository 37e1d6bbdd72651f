/**
 * Browser helpers (Chromium through playwright-core) shared by the browser tests: one browser
 * per test file, fresh profiles (contexts) closed after each test, and waits on the app.
 */
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const CHROMIUM = process.env.AEGIS_CHROMIUM ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** The name alice ends up with (the fixture's onUserInfo appends to it). */
export const USER_NAME = 'Alice Fixture (via onUserInfo)'

/**
 * The URL the browser should use for a fixture server. The refresh cookie is `Secure`
 * (production build) and the server speaks plain http: browsers keep Secure cookies on
 * http://localhost (a potentially trustworthy origin), so the browser talks to it as `localhost`.
 */
export function browserUrl(serverUrl: string): string {
  const url = new URL(serverUrl)
  url.hostname = 'localhost'
  return url.origin
}

export interface TestBrowser {
  /** A fresh browser profile (no cookies, no storage); closed after the test. */
  newContext: () => Promise<BrowserContext>
  /** A fresh profile with one page. */
  newPage: () => Promise<{ context: BrowserContext, page: Page }>
}

/** Launches Chromium for the calling test file (beforeAll) and cleans up after each test. */
export function useBrowser(): TestBrowser {
  let browser: Browser | undefined
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  })

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map(context => context.close()))
  })

  afterAll(async () => {
    await browser?.close()
  })

  async function newContext(): Promise<BrowserContext> {
    if (!browser) throw new Error('the browser is not running (useBrowser() must be called at the top of the file)')
    const context = await browser.newContext()
    contexts.push(context)
    return context
  }

  return {
    newContext,
    async newPage() {
      const context = await newContext()
      return { context, page: await context.newPage() }
    },
  }
}

/** Waits until Nuxt has hydrated the page (click handlers attached, start-up middleware done). */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const app = (document.querySelector('#__nuxt') as { __vue_app__?: { $nuxt?: { isHydrating?: boolean } } } | null)?.__vue_app__
    return app?.$nuxt?.isHydrating === false
  })
}

/** Loads `url` (a full page load) and waits for hydration. */
export async function gotoUrl(page: Page, url: string): Promise<Response | null> {
  const response = await page.goto(url)
  await hydrated(page)
  return response
}

/**
 * Loads a page and waits for its start-up session check to be over (`$aegis.ready()`: the
 * `POST /auth/refresh` answered, or none was needed because the browser holds no session hint):
 * the server render already shows the user, so the page looks ready before that check is done.
 */
export async function gotoSettled(page: Page, url: string): Promise<Response | null> {
  const response = await gotoUrl(page, url)
  await page.evaluate(async () => {
    const app = (document.querySelector('#__nuxt') as { __vue_app__?: { $nuxt?: { $aegis?: { ready: () => Promise<unknown> } } } } | null)?.__vue_app__
    await app!.$nuxt!.$aegis!.ready()
  })
  return response
}

/** Waits until the `data-testid` element has exactly `text` (trimmed). */
export async function waitForText(page: Page, testId: string, text: string): Promise<void> {
  const exact = new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`)
  await page.getByTestId(testId).filter({ hasText: exact }).waitFor()
}

/** Clicks the alice button on the (hydrated) login page; resolves with the /token response. */
export async function loginAsAlice(page: Page): Promise<Response> {
  const tokenResponse = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/token')
  await page.getByTestId('login-alice').click()
  const response = await tokenResponse
  expect(response.status()).toBe(200)
  return response
}

/** The access token the page's auth client holds in memory (null when it has none). */
export function tokenOf(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const app = (document.querySelector('#__nuxt') as { __vue_app__?: { $nuxt?: { $aegis?: { getToken: () => string | null } } } } | null)?.__vue_app__
    return app?.$nuxt?.$aegis?.getToken() ?? null
  })
}

export interface ForeignRequest { method: string, url: string, headers: IncomingHttpHeaders }

/**
 * A plain HTTP server on another origin (127.0.0.1, a free port) that answers CORS so the
 * page's fetches reach it, and records every request it receives.
 */
export async function startForeignServer(): Promise<{ port: number, received: ForeignRequest[], close: () => Promise<void> }> {
  const received: ForeignRequest[] = []
  const server: Server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    res.setHeader('access-control-allow-origin', '*')
    res.setHeader('access-control-allow-headers', 'authorization, content-type')
    if (req.method === 'OPTIONS') {
      res.statusCode = 204
      res.end()
      return
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ foreign: true }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  }
}
