/**
 * The docs site (VitePress over docs/, `npm run docs:build`) in Chromium: every page opens
 * without a console error, and every internal link leads to a page that exists (and to its
 * #anchor, when it has one). Builds the site first when docs/ is newer than the last build.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DOCS = join(ROOT, 'docs')
const DIST = join(DOCS, '.vitepress/dist')
const CHROMIUM = process.env.AEGIS_CHROMIUM ?? '/usr/bin/chromium'
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2' }

function files(dir: string, filter: (path: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'cache' || entry.name === 'node_modules' ? [] : files(path, filter)
    return filter(path) ? [path] : []
  })
}

/** Whether a source in docs/ changed after the last build. */
function stale(): boolean {
  if (!existsSync(join(DIST, 'index.html'))) return true
  const built = statSync(join(DIST, 'index.html')).mtimeMs
  return files(DOCS, path => /\.(?:md|mts|ts|svg|png)$/.test(path)).some(path => statSync(path).mtimeMs > built)
}

/** The built site over HTTP, as a static host serves it (`/page` → `page.html`). */
function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    const candidates = [path, `${path}.html`, join(path, 'index.html')].map(candidate => join(DIST, candidate))
    const file = candidates.find(candidate => candidate.startsWith(DIST) && existsSync(candidate) && statSync(candidate).isFile())
    if (!file) {
      res.statusCode = 404
      res.end('not found')
      return
    }
    res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
    res.end(readFileSync(file))
  })
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)))
}

describe('[DX-8] the docs site', () => {
  let server: Server
  let browser: Browser
  let base: string

  beforeAll(async () => {
    if (stale()) execFileSync(process.execPath, [join(ROOT, 'node_modules/vitepress/bin/vitepress.js'), 'build', 'docs'], { cwd: ROOT, stdio: 'inherit' })
    server = await serve()
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'] })
  }, 300_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise(resolve => server?.close(resolve))
  })

  it('has a page for every Markdown file of docs/', () => {
    const sources = files(DOCS, path => path.endsWith('.md')).map(path => relative(DOCS, path).replace(/\.md$/, '.html'))
    expect(sources.length).toBeGreaterThan(15)
    expect(sources.filter(page => !existsSync(join(DIST, page)))).toEqual([])
  })

  it('every page opens without a console error; every internal link and anchor resolves', async () => {
    const page = await browser.newPage()
    const problems: string[] = []
    let current = ''
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${current}: console: ${message.text()}`)
    })
    page.on('pageerror', error => problems.push(`${current}: ${error.message}`))
    const pages = files(DIST, path => path.endsWith('.html') && !path.endsWith('404.html')).map(path => `/${relative(DIST, path)}`)
    const links = new Map<string, string>()
    for (const path of pages) {
      current = path
      const response = await page.goto(`${base}${path}`, { waitUntil: 'load' })
      expect(response?.status(), path).toBe(200)
      await page.locator('.VPContent').first().waitFor()
      for (const href of await page.$$eval('a[href]', anchors => anchors.map(anchor => (anchor as HTMLAnchorElement).href))) {
        if (href.startsWith(base) && !links.has(href)) links.set(href, path)
      }
    }
    for (const [href, from] of links) {
      const url = new URL(href)
      const target = await fetch(`${base}${url.pathname}`)
      if (target.status !== 200) {
        problems.push(`${from}: broken link ${url.pathname}`)
        continue
      }
      const id = decodeURIComponent(url.hash.slice(1))
      if (id && !(await target.text()).includes(`id="${id}"`)) problems.push(`${from}: missing anchor ${url.pathname}#${id}`)
    }
    expect(links.size).toBeGreaterThan(pages.length)
    expect(problems).toEqual([])
  })

  it('has the sidebar on every guide page and a local search that finds a page', async () => {
    const page = await browser.newPage()
    await page.goto(`${base}/getting-started.html`)
    const sidebar = page.locator('.VPSidebar')
    for (const text of ['Getting started', 'Configuration reference', 'Nuxt DevTools tab', 'Architecture']) await expect.poll(() => sidebar.getByText(text, { exact: true }).count(), { message: text }).toBeGreaterThan(0)
    await page.locator('.VPNavBarSearch button').click()
    await page.locator('.VPLocalSearchBox input').fill('refresh token reuse')
    await page.locator('.VPLocalSearchBox .result').first().waitFor()
    expect(await page.locator('.VPLocalSearchBox .result').count()).toBeGreaterThan(0)
  })
})
