import { useFetch, useNuxtApp } from '#imports'

/**
 * `useFetch` that sends the access token (same origin and `apiOrigins` only) and refreshes
 * and retries once on a 401. Runs in the browser by default (`server: false`): the server
 * render has the user but no access token.
 */
export const useAuthFetch: typeof useFetch = ((url: Parameters<typeof useFetch>[0], options: Record<string, unknown> = {}) => {
  return useFetch(url, { server: false, ...options, $fetch: useNuxtApp().$aegisFetch } as never)
}) as typeof useFetch
