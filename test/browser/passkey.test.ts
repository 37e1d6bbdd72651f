import { describe, expect, it } from 'vitest'
import { decodeJwt } from '../support/http'
import { gotoSettled, gotoUrl, loginAsAlice, tokenOf, useBrowser, waitForText } from '../support/browser'
import { usePasskeyServer } from '../support/passkey'

// Served as http://localhost:PORT (siteUrl, RP ID `localhost`): an IP address is not a valid RP ID.
const server = usePasskeyServer()
const browser = useBrowser()

describe('[PASSKEY-1] passkeys in Chromium with a virtual authenticator', () => {
  it('a logged-in user registers a passkey, logs out, and logs in with it', async () => {
    const { context, page } = await browser.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable')
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    })

    await gotoUrl(page, `${server.url}/login`)
    await loginAsAlice(page)
    await page.waitForURL(`${server.url}/`)
    await gotoSettled(page, `${server.url}/passkey`)
    await waitForText(page, 'passkey-user', 'Alice Fixture (via onUserInfo)')

    const registered = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/passkey/register/verify')
    await page.getByTestId('passkey-register').click()
    expect((await registered).status()).toBe(200)
    await waitForText(page, 'passkey-status', 'registered')
    await waitForText(page, 'passkey-count', '1')
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(credentials).toHaveLength(1)
    expect(credentials[0]!.isResidentCredential).toBe(true)

    const loggedOut = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/logout')
    await page.getByTestId('passkey-logout').click()
    await loggedOut
    await waitForText(page, 'passkey-user', 'anonymous')

    const verified = page.waitForResponse(response => new URL(response.url()).pathname === '/auth/passkey/login/verify')
    await page.getByTestId('passkey-login').click()
    expect((await verified).status()).toBe(200)
    await waitForText(page, 'passkey-status', 'logged-in')
    await waitForText(page, 'passkey-user', 'Alice Fixture')
    const claims = decodeJwt((await tokenOf(page))!)
    expect(claims).toMatchObject({ sub: 'mock-alice', provider: 'passkey' })
    expect(claims.amr).toEqual(['hwk', 'user', 'mfa'])
    // The authenticator's signature counter moved, and the server stored it.
    const { credentials: after } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    expect(after[0]!.signCount).toBeGreaterThan(credentials[0]!.signCount)
  })
})
