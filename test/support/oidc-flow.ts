/**
 * Walks real OpenID logins hop by hop over HTTP, the way a browser would: one cookie jar for
 * the app and one for the identity provider, redirects followed by hand, HTML forms submitted.
 */
import { CookieJar, HANDOFF_COOKIE_PREFIX, locationOf, send, setCookies } from './http'

export interface ProviderRoundTrip {
  /** The app's cookies (transaction, later handoff and refresh). */
  jar: CookieJar
  /** The authorization request the app sent the browser to. */
  authorizeUrl: URL
  /** Where the provider sent the browser back (`<app>/auth/<provider>?code&state&iss`). */
  callbackUrl: URL
}

/** The `action` of the first form of an HTML page, resolved against the page URL. */
function formAction(html: string, page: URL): URL {
  const match = /<form[^>]*action="([^"]+)"/i.exec(html)
  if (!match) throw new Error(`no form on ${page.pathname}`)
  return new URL(match[1]!.replace(/&amp;/g, '&'), page)
}

/**
 * Starts `GET <app>/auth/<provider>` and follows the provider until it redirects back to the
 * app, submitting oidc-provider's development login (as `login`) and consent forms on the way
 * (or, with `cancel`, following its Cancel link).
 */
export async function providerRoundTrip(appUrl: string, provider: string, options: { login?: string, jar?: CookieJar, query?: Record<string, string>, cancel?: boolean } = {}): Promise<ProviderRoundTrip> {
  const jar = options.jar ?? new CookieJar()
  const start = new URL(`/auth/${provider}`, appUrl)
  for (const [name, value] of Object.entries(options.query ?? {})) start.searchParams.set(name, value)
  const started = await send(start, { jar })
  if (started.status !== 302) throw new Error(`login start answered ${started.status}`)
  const authorizeUrl = locationOf(started, start)
  if (authorizeUrl.origin === new URL(appUrl).origin) throw new Error(`login start went to ${authorizeUrl.pathname}, not to the provider`)
  const idpJar = new CookieJar()
  let url = authorizeUrl
  let init: RequestInit = {}
  for (let hop = 0; hop < 12; hop++) {
    const response = await send(url, { ...init, jar: idpJar })
    init = {}
    if (response.status >= 300 && response.status < 400) {
      const next = locationOf(response, url)
      if (next.origin === new URL(appUrl).origin) return { jar, authorizeUrl, callbackUrl: next }
      url = next
      continue
    }
    const html = await response.text()
    if (response.status !== 200) throw new Error(`provider answered ${response.status} on ${url.pathname}: ${html.slice(0, 200)}`)
    const cancel = options.cancel ? /<a href="([^"]+)">\[ Cancel \]<\/a>/.exec(html) : null
    if (cancel) {
      // The user cancels at the provider: it answers the app with error=access_denied.
      url = new URL(cancel[1]!.replace(/&amp;/g, '&'), url)
      continue
    }
    const action = formAction(html, url)
    const fields: Record<string, string> = /name="login"/.test(html)
      ? { prompt: 'login', login: options.login ?? 'alice', password: 'any' }
      : { prompt: 'consent' }
    url = action
    init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }
  }
  throw new Error('the provider never redirected back to the app')
}

export interface CallbackOutcome {
  response: Response
  location: URL
  /** Whether the callback set a handoff cookie (i.e. issued a CODE). */
  setHandoff: boolean
}

/** Loads the provider callback in the app and reports where it sends the browser. */
export async function appCallback(url: URL, jar: CookieJar): Promise<CallbackOutcome> {
  const response = await send(url, { jar })
  if (response.status !== 302) throw new Error(`callback answered ${response.status}`)
  return {
    response,
    location: locationOf(response, url),
    setHandoff: setCookies(response).some(cookie => cookie.name.startsWith(HANDOFF_COOKIE_PREFIX) && cookie.value !== ''),
  }
}
