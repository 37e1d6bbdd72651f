// In your app: modules: ['nuxt-aegis']. Here the module comes from this repository's source.
import aegis from '../../src/module'

export default defineNuxtConfig({
  modules: [aegis],
  devtools: { enabled: false },
  compatibilityDate: '2025-07-01',
  nuxtAegis: {
    // The secret comes from NUXT_AEGIS_TOKEN_SECRET (nuxi dev generates one into .env).
    tokenRefresh: { storage: { driver: 'fs', base: './.data/sessions' } },
    // TOTP second factors, stored in SQLite (server/plugins/mfa.ts).
    mfa: { issuer: 'nuxt-aegis SQLite example' },
    providers: {
      // Email + password: accounts in SQLite (server/plugins/accounts.ts).
      password: { loginCode: 'register' },
      // Passkeys in SQLite (server/plugins/passkeys.ts). In production the RP ID comes from
      // siteUrl (NUXT_PUBLIC_SITE_URL); `nuxi dev` uses the request's origin.
      passkey: { rpName: 'nuxt-aegis SQLite example' },
      // A GitHub-like identity to link; in your app: github: { clientId, clientSecret }.
      mock: {
        mockUsers: {
          octo: { sub: 'gh-4242', name: 'Octo Cat', email: 'octo@users.noreply.example', email_verified: true },
        },
        defaultUser: 'octo',
      },
    },
  },
})
