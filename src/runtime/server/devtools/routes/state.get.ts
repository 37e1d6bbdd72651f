import { defineEventHandler, getRequestURL, setResponseHeader } from 'h3'
import { useRuntimeConfig } from 'nitropack/runtime'
import { useAegis } from '../../context/services'
import { providerInfo, redactSecrets } from '../inspect'

/** Dev only (DevTools tab): the resolved options without secrets, and each provider's redirect URI. */
export default defineEventHandler((event) => {
  setResponseHeader(event, 'cache-control', 'no-store')
  const aegis = useAegis()
  const runtime = useRuntimeConfig() as unknown as { aegis: { providers?: Record<string, unknown> }, public: { aegis: unknown } }
  const authPath = aegis.config.endpoints.authPath
  return {
    options: redactSecrets(runtime.aegis),
    public: redactSecrets(runtime.public.aegis),
    providers: providerInfo(Object.keys(runtime.aegis.providers ?? {}), authPath, aegis.siteOrigin, getRequestURL(event).origin),
    authPath,
  }
})
