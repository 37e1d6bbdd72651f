import type { OAuthProviderDefinition, ProviderConfig } from '../types'

interface GitHubEmail { email?: unknown, primary?: unknown, verified?: unknown }

const wantsEmails = (config: ProviderConfig) => (config.scopes ?? ['read:user', 'user:email']).includes('user:email')

/**
 * GitHub (OAuth 2, no ID token). The subject is the numeric user id as a string (logins can be
 * renamed); the email is the primary verified one from `/user/emails`, never the public profile's.
 */
export const githubProvider: OAuthProviderDefinition = {
  name: 'github',
  openid: false,
  defaultScopes: ['read:user', 'user:email'],
  endpoints: () => ({
    authorization: 'https://github.com/login/oauth/authorize',
    token: 'https://github.com/login/oauth/access_token',
    userinfo: 'https://api.github.com/user',
  }),
  resources: config => (wantsEmails(config) ? { emails: 'https://api.github.com/user/emails' } : {} as Record<string, string>),
  profile: ({ userinfo = {}, resources }) => {
    const emails = Array.isArray(resources.emails) ? resources.emails as GitHubEmail[] : []
    const primary = emails.find(entry => entry && entry.primary === true && entry.verified === true && typeof entry.email === 'string')
    return {
      sub: typeof userinfo.id === 'number' ? String(userinfo.id) : '',
      login: userinfo.login,
      email: primary?.email as string | undefined,
      email_verified: primary ? true : undefined,
      name: (userinfo.name ?? userinfo.login) as string | undefined,
      picture: userinfo.avatar_url as string | undefined,
    }
  },
}
