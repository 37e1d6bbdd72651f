/** useAuth().email in Chromium: the typed code, and the magic link's page that confirms with a POST. */
import { describe, expect, it } from 'vitest'
import { decodeJwt } from '../support/http'
import { gotoSettled, tokenOf, useBrowser, waitForText } from '../support/browser'
import { lastMessage, uniqueEmail, usePasswordServer } from '../support/password'
import { freePort } from '../support/server'

// Served as http://localhost:PORT with that siteUrl: the emailed link points there, and the
// browser keeps the Secure refresh cookie on localhost.
const port = String(await freePort())
const server = usePasswordServer({ PORT: port, NUXT_PUBLIC_SITE_URL: `http://localhost:${port}` })
const { newContext, newPage } = useBrowser()
const base = `http://localhost:${port}`

async function seed(email: string): Promise<string> {
  const response = await fetch(new URL('/api/test/password/seed', server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'seeded-pass-1' }) })
  return (await response.json() as { id: string }).id
}

describe('[EML-8] email code and magic link in the browser', () => {
  it('start mails a code; typing it signs in (token in memory, refresh cookie set)', async () => {
    const email = uniqueEmail('brcode')
    const sub = await seed(email)
    const { context, page } = await newPage()
    await gotoSettled(page, `${base}/email-code-login`)
    await waitForText(page, 'status', 'guest')
    await page.getByTestId('email').fill(email)
    await page.getByTestId('start').click()
    await waitForText(page, 'result', 'started')
    const mail = await lastMessage(server.url, email)
    expect(mail.code).toMatch(/^\d{8}$/)

    const wrong = String((Number(mail.code) + 1) % 100_000_000).padStart(8, '0')
    await page.getByTestId('code').fill(wrong)
    await page.getByTestId('verify').click()
    await waitForText(page, 'result', 'error:invalid_verification_code')
    await waitForText(page, 'status', 'guest')

    await page.getByTestId('code').fill(mail.code)
    const verified = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/email/verify')
    await page.getByTestId('verify').click()
    expect((await verified).status()).toBe(200)
    await waitForText(page, 'result', 'authenticated')
    await waitForText(page, 'status', 'authenticated')
    await waitForText(page, 'user-email', email)
    expect(decodeJwt((await tokenOf(page))!)).toMatchObject({ sub, provider: 'email', amr: ['otp'] })
    expect((await context.cookies(base)).map(cookie => cookie.name)).toContain('__Host-nuxt-aegis-refresh')
  })

  it('the link page signs in only when its button POSTs the token; loading it (a GET) spends nothing', async () => {
    const email = uniqueEmail('brlink')
    const sub = await seed(email)
    const { context, page } = await newPage()
    await gotoSettled(page, `${base}/email-code-login`)
    await page.getByTestId('email').fill(email)
    await page.getByTestId('start').click()
    await waitForText(page, 'result', 'started')
    const mail = await lastMessage(server.url, email)
    expect(mail.url).toBe(`${base}/email-login?token=${mail.token}`)

    // A mail scanner's visit: the page loads (server render and hydration) and signs nobody in.
    const scanner = await (await newContext()).newPage()
    const verifyCalls: string[] = []
    scanner.on('request', request => void (new URL(request.url()).pathname === '/auth/email/verify' && verifyCalls.push(request.method())))
    await gotoSettled(scanner, mail.url!)
    await waitForText(scanner, 'status', 'guest')
    expect(verifyCalls).toEqual([])
    expect((await scanner.context().cookies(base)).map(cookie => cookie.name)).not.toContain('__Host-nuxt-aegis-refresh')

    await gotoSettled(page, mail.url!)
    await waitForText(page, 'status', 'guest')
    const verified = page.waitForRequest(request => new URL(request.url()).pathname === '/auth/email/verify')
    await page.getByTestId('confirm').click()
    expect((await verified).method()).toBe('POST')
    await waitForText(page, 'result', 'authenticated')
    await waitForText(page, 'status', 'authenticated')
    await waitForText(page, 'user-email', email)
    expect(decodeJwt((await tokenOf(page))!)).toMatchObject({ sub, provider: 'email', amr: ['otp'] })
    expect((await context.cookies(base)).map(cookie => cookie.name)).toContain('__Host-nuxt-aegis-refresh')

    // Spent: a second confirmation of the same link is refused.
    const again = await newPage()
    await gotoSettled(again.page, mail.url!)
    await again.page.getByTestId('confirm').click()
    await waitForText(again.page, 'result', 'error:invalid_verification_code')
    await waitForText(again.page, 'status', 'guest')
  })
})
