export default defineNuxtConfig({
  modules: ['../src/module'],
  devtools: { enabled: false },
  // An `ssr: false` page: the server sends the SPA shell, the browser does everything.
  routeRules: { '/client-only': { ssr: false } },
  compatibilityDate: '2025-07-01',
  nuxtAegis: {
    token: {
      // Demo only: a real app sets NUXT_AEGIS_TOKEN_SECRET (at least 32 random bytes).
      secret: process.env.NUXT_AEGIS_TOKEN_SECRET || 'playground-only-secret-change-me-0123456789',
      expiresIn: '5m',
    },
    tokenRefresh: {
      storage: { driver: 'fs', base: './.data/refresh-tokens' },
    },
    redirect: { login: '/login', success: '/', logout: '/' },
    routeProtection: {
      protectedRoutes: ['/api/private/**', '/dashboard/**'],
      publicRoutes: ['/api/private/health'],
    },
    providers: {
      // `npm run dev` starts a local OpenID provider and sets NUXT_AEGIS_PROVIDERS_OIDC_* for it.
      oidc: {
        issuer: process.env.NUXT_AEGIS_PROVIDERS_OIDC_ISSUER || 'http://127.0.0.1:4010',
        clientId: 'nuxt-aegis-playground',
        clientSecret: 'playground-only-oidc-secret-0123456789',
        // Its tokens stay on the server for /dashboard/provider (getProviderToken).
        keepTokens: true,
      },
      // Real providers appear when their credentials are in the environment (.env).
      ...Object.fromEntries(['google', 'github', 'microsoft', 'auth0']
        .filter(name => process.env[`NUXT_AEGIS_PROVIDERS_${name.toUpperCase()}_CLIENT_ID`])
        .map(name => [name, {}])),
      // Spotify keeps its tokens too: /dashboard/provider lists your top artists.
      ...(process.env.NUXT_AEGIS_PROVIDERS_SPOTIFY_CLIENT_ID
        ? { spotify: { keepTokens: true, scopes: ['user-read-email', 'user-top-read'] } }
        : {}),
      mock: {
        mockUsers: {
          alice: { sub: 'mock-alice', name: 'Alice Admin', email: 'alice@example.com', email_verified: true, role: 'admin' },
          bob: { sub: 'mock-bob', name: 'Bob Builder', email: 'bob@example.com', email_verified: true, role: 'editor' },
          carol: { sub: 'mock-carol', name: 'Carol Reader', email: 'carol@example.com', email_verified: false, role: 'viewer' },
        },
        defaultUser: 'alice',
      },
      // Email + password: accounts in memory (server/plugins/password.ts), codes printed to the console.
      password: {
        loginCode: 'register',
        links: { verify: '/password?mode=verify', reset: '/password?mode=reset' },
      },
      // Email code login (server/plugins/email.ts): codes in the console and on /email.
      email: {
        signUp: true,
        links: { login: '/email' },
      },
      // Passkeys: credentials in memory (server/plugins/passkey.ts); page /passkey. Open the
      // playground as http://localhost:3000 (an IP address is not a valid RP ID).
      passkey: { rpName: 'nuxt-aegis playground' },
    },
    // TOTP second factor (server/plugins/mfa.ts): enrol on /security.
    mfa: { issuer: 'nuxt-aegis playground' },
  },
})
