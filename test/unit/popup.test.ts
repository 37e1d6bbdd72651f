import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient } from '../../src/runtime/app/client'
import { AegisLoginError, parseReport, waitForLoginPopup } from '../../src/runtime/app/lazy/popup'
import type { AegisClaims } from '../../src/runtime/types'

const ORIGIN = 'http://app.test'
const TOKEN = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('{"sub":"alice","exp":2000000000}').toString('base64url')}.sig`
const SUCCESS = { type: 'nuxt-aegis:login', result: 'success', session: { type: 'token', token: TOKEN, expiresIn: 600, generation: 3 } }

/** The opener window as waitForLoginPopup uses it: its origin and its message events. */
function host() {
  const target = new EventTarget()
  return {
    location: { origin: ORIGIN },
    addEventListener: (type: 'message', listener: (event: MessageEvent) => void) => target.addEventListener(type, listener as EventListener),
    removeEventListener: (type: 'message', listener: (event: MessageEvent) => void) => target.removeEventListener(type, listener as EventListener),
    // A plain Event with MessageEvent's fields: Node's MessageEvent accepts only a MessagePort as source.
    deliver: (data: unknown, origin: string, source: unknown) => target.dispatchEvent(Object.assign(new Event('message'), { data, origin, source })),
  }
}

function popupWindow() {
  return { closed: false, close: vi.fn(function (this: { closed: boolean }) {
    this.closed = true
  }) }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('[CLIENT-8] popup reports', () => {
  it('accepts a success report and keeps only the known fields', () => {
    expect(parseReport({ ...SUCCESS, extra: 1, redirectTo: '/members' })).toEqual({ ...SUCCESS, redirectTo: '/members' })
  })

  it('drops a redirectTo that is not a plain local path', () => {
    for (const redirectTo of ['//evil.test', '/\\evil.test', 'https://evil.test/', 'javascript:alert(1)', '/a\nb']) {
      expect(parseReport({ ...SUCCESS, redirectTo })).toEqual(SUCCESS)
    }
  })

  it('accepts an error report with a plain code only', () => {
    expect(parseReport({ type: 'nuxt-aegis:login', result: 'error', error: 'access_denied' })).toEqual({ type: 'nuxt-aegis:login', result: 'error', error: 'access_denied' })
    expect(parseReport({ type: 'nuxt-aegis:login', result: 'error', error: '<img src=x>' })).toBeNull()
  })

  it('ignores anything else', () => {
    for (const data of [null, 'nuxt-aegis:login', { type: 'other', result: 'success' }, { ...SUCCESS, result: 'maybe' }, { ...SUCCESS, session: { type: 'logout' } }, { ...SUCCESS, session: { type: 'token', token: 1, expiresIn: 600 } }]) {
      expect(parseReport(data)).toBeNull()
    }
  })
})

describe('[CLIENT-8] waiting for the popup', () => {
  it('resolves with the session from the popup, and closes the popup', async () => {
    const h = host()
    const popup = popupWindow()
    const waiting = waitForLoginPopup(popup as unknown as Window, h)
    h.deliver(SUCCESS, ORIGIN, popup)
    await expect(waiting).resolves.toEqual({ result: 'success', session: SUCCESS.session, redirectTo: undefined })
    expect(popup.close).toHaveBeenCalled()
  })

  it('ignores a report from another origin or from another window', async () => {
    vi.useFakeTimers()
    const h = host()
    const popup = popupWindow()
    const outcome = vi.fn()
    void waitForLoginPopup(popup as unknown as Window, h).then(outcome)
    h.deliver(SUCCESS, 'http://evil.test', popup)
    h.deliver(SUCCESS, `${ORIGIN}:8080`, popup)
    h.deliver(SUCCESS, ORIGIN, {})
    h.deliver(SUCCESS, ORIGIN, null)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(outcome).not.toHaveBeenCalled()
    expect(popup.close).not.toHaveBeenCalled()
    // The real report still counts afterwards.
    h.deliver(SUCCESS, ORIGIN, popup)
    await vi.advanceTimersByTimeAsync(0)
    expect(outcome).toHaveBeenCalledWith(expect.objectContaining({ result: 'success' }))
  })

  it('rejects with the error code the popup reported', async () => {
    const h = host()
    const popup = popupWindow()
    const waiting = waitForLoginPopup(popup as unknown as Window, h)
    h.deliver({ type: 'nuxt-aegis:login', result: 'error', error: 'access_denied' }, ORIGIN, popup)
    const error = await waiting.catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(AegisLoginError)
    expect((error as AegisLoginError).code).toBe('access_denied')
  })

  it('resolves cancelled once the popup is closed without a report, and stops listening', async () => {
    vi.useFakeTimers()
    const h = host()
    const popup = popupWindow()
    const outcome = vi.fn()
    void waitForLoginPopup(popup as unknown as Window, h).then(outcome)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(outcome).not.toHaveBeenCalled()
    popup.closed = true
    await vi.advanceTimersByTimeAsync(1_000)
    expect(outcome).toHaveBeenCalledWith({ result: 'cancelled' })
    // A late report changes nothing.
    h.deliver(SUCCESS, ORIGIN, popup)
    await vi.advanceTimersByTimeAsync(0)
    expect(outcome).toHaveBeenCalledTimes(1)
  })
})

describe('[CLIENT-8] handing the session from the popup to the opener', () => {
  it('the popup\'s handoff() is what the opener\'s receive() takes, without a request', async () => {
    vi.stubGlobal('window', { location: { origin: ORIGIN } })
    try {
      const popupFetch = vi.fn(async () => ({ token: TOKEN, tokenType: 'Bearer', expiresIn: 600 })) as unknown as <T>(url: string) => Promise<T>
      const popupClient = createAuthClient({ authPath: '/auth', fetch: popupFetch, automaticRefresh: false, onUser: () => {} })
      expect(popupClient.handoff()).toBeNull()
      await popupClient.exchange('c'.repeat(43))
      const session = popupClient.handoff()
      expect(session).toMatchObject({ type: 'token', token: TOKEN })
      expect((session as { expiresIn: number }).expiresIn).toBeGreaterThan(590)

      const openerFetch = vi.fn()
      const users: Array<AegisClaims | null> = []
      const opener = createAuthClient({ authPath: '/auth', fetch: openerFetch as never, automaticRefresh: false, onUser: user => users.push(user) })
      opener.receive(session!)
      expect(opener.getToken()).toBe(TOKEN)
      expect(users).toEqual([expect.objectContaining({ sub: 'alice' })])
      expect(openerFetch).not.toHaveBeenCalled()
    }
    finally {
      vi.unstubAllGlobals()
    }
  })
})
