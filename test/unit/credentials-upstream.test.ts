/** The backend tokens of a credentials login: what authorize may return, what is kept, what refreshTokens sees. */
import type { H3Event } from 'h3'
import { describe, expect, it } from 'vitest'
import type { AegisError } from '../../src/runtime/server/core/errors'
import { asUpstreamTokens, splitAuthorizeResult, upstreamRefresh, upstreamTokenSet } from '../../src/runtime/server/credentials/upstream'

const NOW = 1_700_000_000_000
const event = {} as H3Event

describe('credentials upstream tokens', () => {
  it('takes a bare user as before, and { user, tokens } as the user and its tokens', () => {
    expect(splitAuthorizeResult({ sub: 'u1', email: 'a@example.com' })).toEqual({ user: { sub: 'u1', email: 'a@example.com' } })
    // A bare user that happens to have a `user` field stays a bare user (it has a sub).
    expect(splitAuthorizeResult({ sub: 'u1', user: { x: 1 } })).toEqual({ user: { sub: 'u1', user: { x: 1 } } })
    expect(splitAuthorizeResult({ user: { sub: 'u1' }, tokens: { access_token: 'at' } })).toEqual({ user: { sub: 'u1' }, tokens: { access_token: 'at' } })
  })

  it('keeps a checked token set; refuses missing, empty, oversized or mistyped values', () => {
    expect(upstreamTokenSet('directus', { access_token: 'at', refresh_token: 'rt', expires_in: 900 }, NOW)).toEqual({
      provider: 'directus', accessToken: 'at', refreshToken: 'rt', tokenType: undefined, scope: undefined, expiresAt: NOW + 900_000, obtainedAt: NOW,
    })
    for (const bad of [null, 'at', [], {}, { access_token: '' }, { access_token: 5 }, { access_token: 'x'.repeat(16_385) }, { access_token: 'at', refresh_token: '' }, { access_token: 'at', expires_in: -1 }, { access_token: 'at', expires_in: '900' }]) {
      expect(() => upstreamTokenSet('directus', bad, NOW), JSON.stringify(bad)?.slice(0, 60)).toThrow(TypeError)
    }
  })

  it('hands refreshTokens the kept set in the shape authorize returned it', () => {
    const set = upstreamTokenSet('directus', { access_token: 'at', refresh_token: 'rt', expires_in: 60, token_type: 'Bearer' }, NOW)
    expect(asUpstreamTokens(set, NOW + 20_000)).toEqual({ access_token: 'at', refresh_token: 'rt', token_type: 'Bearer', expires_in: 40 })
  })

  it('maps the refresh outcome: null is a refusal (reauth), a throw is a 502 that keeps the tokens, junk is a provider_error', async () => {
    const current = { ...upstreamTokenSet('directus', { access_token: 'at', refresh_token: 'rt' }, NOW), refreshToken: 'rt' }
    const outcome = (refresh: () => unknown) => upstreamRefresh('directus', { refresh: refresh as never }, event)(current).catch((error: AegisError) => [error.statusCode, error.code])
    expect(await outcome(() => null)).toEqual([401, 'provider_reauth_required'])
    expect(await outcome(() => {
      throw new Error('ECONNREFUSED')
    })).toEqual([502, 'provider_unavailable'])
    expect(await outcome(() => ({ access_token: '' }))).toEqual([502, 'provider_error'])
    const next = await upstreamRefresh('directus', { refresh: tokens => ({ access_token: `${tokens.access_token}2`, expires_in: 10 }) }, event)(current)
    expect(next).toMatchObject({ accessToken: 'at2', refreshToken: undefined, expiresAt: expect.any(Number) })
  })
})
