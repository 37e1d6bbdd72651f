/**
 * Profile mapping of each built-in provider, from response shapes as the providers send them
 * (trimmed recordings of their documented payloads), through the engine's normalization.
 */
import { describe, expect, it } from 'vitest'
import { authorizationUrl, isOpenId } from '../../src/runtime/server/oauth/engine'
import { normalizeProfile } from '../../src/runtime/server/oauth/profile'
import { BUILTIN_PROVIDERS } from '../../src/runtime/server/oauth/providers'
import { createTransaction } from '../../src/runtime/server/oauth/transaction'
import type { OAuthProviderDefinition, ProfileInput, ProviderConfig } from '../../src/runtime/server/oauth/types'

const ctx = { origin: 'https://app.example', authPath: '/auth' }
const config: ProviderConfig = { clientId: 'cid', clientSecret: 'secret' }

function map(def: OAuthProviderDefinition, input: Partial<ProfileInput>, cfg: ProviderConfig = config) {
  return normalizeProfile(def.profile({ resources: {}, config: cfg, ...input }))
}

describe('[PROV-1] google', () => {
  const google = BUILTIN_PROVIDERS.google!
  const claims = {
    iss: 'https://accounts.google.com', azp: 'cid', aud: 'cid', sub: '110169484474386276334', hd: 'example.com',
    email: 'jane@example.com', email_verified: true, at_hash: 'x', nonce: 'n', name: 'Jane Doe',
    picture: 'https://lh3.googleusercontent.com/a/photo', given_name: 'Jane', family_name: 'Doe', iat: 1, exp: 2,
  }
  const userinfo = { sub: claims.sub, name: 'Jane Doe', given_name: 'Jane', family_name: 'Doe', picture: claims.picture, email: claims.email, email_verified: true, hd: 'example.com' }

  it('maps a Workspace account with hd', () => {
    expect(map(google, { claims, userinfo })).toEqual({
      sub: '110169484474386276334', email: 'jane@example.com', email_verified: true, name: 'Jane Doe',
      picture: 'https://lh3.googleusercontent.com/a/photo', hd: 'example.com', given_name: 'Jane', family_name: 'Doe',
    })
  })

  it('enforces hd on the ID token when configured, and sends it as a hint', () => {
    expect(google.checkClaims!(claims, { ...config, hd: 'example.com' })).toBeUndefined()
    expect(google.checkClaims!({ ...claims, hd: 'other.com' }, { ...config, hd: 'example.com' })).toMatch(/hd/)
    // A consumer account has no hd at all: rejected too.
    const { hd: _hd, ...consumer } = claims
    expect(google.checkClaims!(consumer, { ...config, hd: 'example.com' })).toMatch(/hd/)
    expect(google.checkClaims!(consumer, config)).toBeUndefined()
    const url = new URL(authorizationUrl(google, { ...config, hd: 'example.com' }, createTransaction('google', undefined), ctx, 'https://accounts.google.com/o/oauth2/v2/auth'))
    expect(url.searchParams.get('hd')).toBe('example.com')
  })

  it('is OpenID by discovery on accounts.google.com', () => {
    expect(isOpenId(google)).toBe(true)
    expect(google.issuer!(config)).toBe('https://accounts.google.com')
  })
})

describe('[PROV-2] github', () => {
  const github = BUILTIN_PROVIDERS.github!
  // GET /user of an account that keeps its email private.
  const user = { login: 'octocat', id: 583231, node_id: 'MDQ6VXNlcjU4MzIzMQ==', avatar_url: 'https://avatars.githubusercontent.com/u/583231?v=4', name: 'The Octocat', email: null, type: 'User', site_admin: false }
  const emails = [
    { email: 'octocat@users.noreply.github.com', primary: false, verified: true, visibility: null },
    { email: 'unverified@example.com', primary: false, verified: false, visibility: null },
    { email: 'octocat@github.com', primary: true, verified: true, visibility: 'private' },
  ]

  it('uses the numeric id as a string subject and the primary verified email from /user/emails', () => {
    expect(map(github, { userinfo: user, resources: { emails } })).toEqual({
      sub: '583231', login: 'octocat', email: 'octocat@github.com', email_verified: true,
      name: 'The Octocat', picture: 'https://avatars.githubusercontent.com/u/583231?v=4',
    })
  })

  it('keeps no email when the primary one is not verified, and never takes the public profile email', () => {
    const unverifiedPrimary = [{ email: 'p@example.com', primary: true, verified: false }]
    const profile = map(github, { userinfo: { ...user, email: 'public@example.com' }, resources: { emails: unverifiedPrimary } })
    expect(profile.email).toBeUndefined()
    expect(profile.email_verified).toBeUndefined()
  })

  it('falls back to the login as the name; a missing or non-numeric id is no subject', () => {
    expect(map(github, { userinfo: { ...user, name: null }, resources: {} }).name).toBe('octocat')
    expect(() => map(github, { userinfo: { ...user, id: '583231' } })).toThrow()
  })

  it('reads /user/emails only when user:email is requested; is plain OAuth 2', () => {
    expect(github.resources!(config)).toEqual({ emails: 'https://api.github.com/user/emails' })
    expect(github.resources!({ ...config, scopes: ['read:user'] })).toEqual({})
    expect(isOpenId(github)).toBe(false)
  })
})

describe('[PROV-3] microsoft (Entra ID)', () => {
  const microsoft = BUILTIN_PROVIDERS.microsoft!
  const tid = '9122040d-6c67-4c5b-b112-36a304b66dad'
  const claims = {
    ver: '2.0', iss: `https://login.microsoftonline.com/${tid}/v2.0`, sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ', aud: 'cid',
    exp: 2, iat: 1, nbf: 1, name: 'Megan Bowen', preferred_username: 'meganb@contoso.com', oid: '00000000-0000-0000-66f3-3332eca7ea81',
    email: 'meganb@contoso.com', tid, nonce: 'n',
  }

  it('keeps the ID token subject with tid and oid; email never verified', () => {
    expect(map(microsoft, { claims })).toEqual({
      sub: claims.sub, tid, oid: claims.oid, preferred_username: 'meganb@contoso.com',
      email: 'meganb@contoso.com', email_verified: false, name: 'Megan Bowen',
    })
  })

  it('fills the issuer template with tid; a single-tenant app accepts only its tenant', () => {
    expect(microsoft.expectedIssuer!(claims, config)).toBe(`https://login.microsoftonline.com/${tid}/v2.0`)
    expect(microsoft.expectedIssuer!(claims, { ...config, tenant: 'organizations' })).toBe(`https://login.microsoftonline.com/${tid}/v2.0`)
    expect(microsoft.expectedIssuer!(claims, { ...config, tenant: tid })).toBe(`https://login.microsoftonline.com/${tid}/v2.0`)
    expect(microsoft.expectedIssuer!(claims, { ...config, tenant: '11111111-2222-3333-4444-555555555555' })).toBeUndefined()
    expect(microsoft.expectedIssuer!({ ...claims, tid: '../evil' }, config)).toBeUndefined()
    expect(microsoft.expectedIssuer!({ ...claims, tid: undefined }, config)).toBeUndefined()
  })

  it('uses the tenant in its endpoints', () => {
    const endpoints = microsoft.endpoints!({ ...config, tenant: 'organizations' }, ctx)
    expect(endpoints.authorization).toBe('https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize')
    expect(endpoints.jwks).toBe('https://login.microsoftonline.com/organizations/discovery/v2.0/keys')
    expect(microsoft.endpoints!(config, ctx).token).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/token')
    expect(isOpenId(microsoft)).toBe(true)
  })
})

describe('[PROV-4] auth0, oidc, spotify, mock', () => {
  it('auth0 discovers on https://<domain>/ and maps its userinfo', () => {
    const auth0 = BUILTIN_PROVIDERS.auth0!
    expect(auth0.issuer!({ ...config, domain: 'my-app.eu.auth0.com' })).toBe('https://my-app.eu.auth0.com/')
    expect(auth0.issuer!({ ...config, domain: 'https://my-app.eu.auth0.com/' })).toBe('https://my-app.eu.auth0.com/')
    const claims = { sub: 'auth0|64f0', nickname: 'jdoe', name: 'jdoe@example.com', picture: 'https://s.gravatar.com/avatar/x.png', email: 'jdoe@example.com', email_verified: false }
    expect(map(auth0, { claims, userinfo: claims })).toEqual({ sub: 'auth0|64f0', nickname: 'jdoe', name: 'jdoe@example.com', picture: claims.picture, email: 'jdoe@example.com', email_verified: false })
  })

  it('oidc takes the subject from the ID token even if userinfo were to differ', () => {
    const oidc = BUILTIN_PROVIDERS.oidc!
    const profile = map(oidc, { claims: { sub: 'kc-1' }, userinfo: { sub: 'other', email: 'a@b.example', email_verified: 'true', preferred_username: 'a' } })
    expect(profile).toEqual({ sub: 'kc-1', preferred_username: 'a', email: 'a@b.example', email_verified: false })
  })

  it('spotify maps /v1/me with its first image, email unverified', () => {
    const me = { country: 'SE', display_name: 'JM Wizzler', email: 'email@example.com', id: 'wizzler', images: [{ url: 'https://i.scdn.co/image/ab67', height: 300, width: 300 }], product: 'premium', type: 'user' }
    expect(map(BUILTIN_PROVIDERS.spotify!, { userinfo: me })).toEqual({ sub: 'wizzler', email: 'email@example.com', email_verified: false, name: 'JM Wizzler', picture: 'https://i.scdn.co/image/ab67', product: 'premium', country: 'SE' })
  })

  it('every built-in provider is a declaration on the engine (no protocol code of its own)', () => {
    for (const [name, def] of Object.entries(BUILTIN_PROVIDERS)) {
      expect(def.name).toBe(name)
      expect(Boolean(def.issuer) || Boolean(def.endpoints)).toBe(true)
      expect(def.defaultScopes.length).toBeGreaterThan(0)
    }
    expect(BUILTIN_PROVIDERS.mock!.local).toBe(true)
  })
})
