// The local OpenID provider's userinfo, read on the server with the provider's own access token.
// getProviderToken refreshes it (2-minute tokens in `npm run dev`); the browser never sees it.
export default defineEventHandler(async (event) => {
  const token = await getProviderToken(event, 'oidc')
  const { issuer } = useRuntimeConfig().aegis.providers.oidc as { issuer: string }
  const discovery = await $fetch<{ userinfo_endpoint: string }>(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
  const profile = await $fetch<Record<string, unknown>>(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${token}` } })
  return { provider: 'oidc', profile, at: new Date().toISOString() }
})
