import { describe, expect, it } from 'vitest'
import { isSameOriginRequest, normalizeOrigin } from '../../src/runtime/server/core/origin'

const APP = 'https://app.example'

describe('[REF-5] isSameOriginRequest', () => {
  it('accepts same-origin browser requests', () => {
    expect(isSameOriginRequest({ secFetchSite: 'same-origin', origin: APP }, APP)).toBe(true)
    expect(isSameOriginRequest({ origin: APP }, APP)).toBe(true)
    expect(isSameOriginRequest({ secFetchSite: 'same-origin' }, APP)).toBe(true)
    expect(isSameOriginRequest({ secFetchSite: 'SAME-ORIGIN', origin: 'HTTPS://APP.EXAMPLE' }, APP)).toBe(true)
    expect(isSameOriginRequest({ origin: 'https://app.example:443' }, APP)).toBe(true)
    expect(isSameOriginRequest({ origin: APP }, `${APP}/some/path`)).toBe(true)
  })

  it('accepts requests without Origin and Sec-Fetch-Site (not from a browser page)', () => {
    expect(isSameOriginRequest({}, APP)).toBe(true)
    expect(isSameOriginRequest({ secFetchSite: null, origin: null }, APP)).toBe(true)
    expect(isSameOriginRequest({ secFetchSite: '', origin: '' }, APP)).toBe(true)
  })

  it.each(['cross-site', 'same-site', 'Cross-Site'])('rejects Sec-Fetch-Site: %s', (site) => {
    expect(isSameOriginRequest({ secFetchSite: site }, APP)).toBe(false)
    // Even when a (forged-looking) Origin says otherwise.
    expect(isSameOriginRequest({ secFetchSite: site, origin: APP }, APP)).toBe(false)
  })

  it.each([
    'https://evil.example',
    'http://app.example',
    'https://app.example:8443',
    'https://sub.app.example',
    'https://app.example.evil.example',
    'not a url',
  ])('rejects a foreign Origin %s', (origin) => {
    expect(isSameOriginRequest({ origin }, APP)).toBe(false)
    expect(isSameOriginRequest({ origin, secFetchSite: 'same-origin' }, APP)).toBe(false)
  })

  it('rejects Origin: null (sandboxed frames, redirects, file://)', () => {
    expect(isSameOriginRequest({ origin: 'null' }, APP)).toBe(false)
    expect(isSameOriginRequest({ origin: 'null', secFetchSite: 'same-origin' }, APP)).toBe(false)
  })

  it('fails closed when the expected origin itself is not a URL', () => {
    expect(isSameOriginRequest({ origin: 'garbage' }, '')).toBe(false)
    expect(isSameOriginRequest({ origin: APP }, 'not a url')).toBe(false)
  })
})

describe('normalizeOrigin', () => {
  it('returns the origin of a URL or undefined', () => {
    expect(normalizeOrigin('https://App.Example:443/x?y')).toBe(APP)
    expect(normalizeOrigin('nope')).toBeUndefined()
  })
})
