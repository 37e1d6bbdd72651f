/**
 * The module's error page with configured texts (the fixture translates two of them).
 */
import { describe, expect, inject, it } from 'vitest'
import { send } from '../support/http'

const baseUrl = inject('baseUrl')
const page = { accept: 'text/html' }

async function errorPage(code: string): Promise<string> {
  const response = await send(new URL(`/auth/error?error=${code}`, baseUrl), { headers: page })
  expect(response.status).toBe(200)
  return response.text()
}

describe('[DX-5] texts of the module\'s pages', () => {
  it('renders the configured title and message, and the defaults for the rest', async () => {
    const denied = await errorPage('access_denied')
    expect(denied).toContain('<h1>Anmeldung fehlgeschlagen</h1>')
    expect(denied).toContain('Die Anmeldung wurde beim Anbieter abgebrochen.')
    expect(denied).not.toContain('Login failed')
    expect(denied).toContain('Back to login')
    expect(await errorPage('invalid_state')).toContain('The login could not be verified')
  })

  it('an unknown code shows login_failed, never the query', async () => {
    const html = await errorPage('%3Cb%3Einjected%3C%2Fb%3E')
    const main = html.slice(html.indexOf('<main class="aegis-error">'), html.indexOf('</main>'))
    expect(main).toContain('data-error="login_failed"')
    expect(main).toContain('The login could not be completed. Please try again.')
    expect(main).not.toContain('injected')
  })
})
