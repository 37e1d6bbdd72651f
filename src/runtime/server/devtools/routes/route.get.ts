import { defineEventHandler, getQuery, setResponseHeader } from 'h3'
import { useAegis } from '../../context/services'
import { explainRoute } from '../inspect'

/** Dev only (DevTools tab): how route protection decides `?path=`. */
export default defineEventHandler((event) => {
  setResponseHeader(event, 'cache-control', 'no-store')
  const { config } = useAegis()
  const path = getQuery(event).path
  return explainRoute(typeof path === 'string' ? path : '/', {
    protectedRoutes: config.routeProtection.protectedRoutes ?? [],
    publicRoutes: config.routeProtection.publicRoutes ?? [],
    authPath: config.endpoints.authPath,
  })
})
