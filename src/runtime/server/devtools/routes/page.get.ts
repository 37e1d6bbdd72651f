import { defineEventHandler, setResponseHeader } from 'h3'
import { useAegis } from '../../context/services'
import { devtoolsPage } from '../page'

/** Dev only: the page of the Nuxt DevTools tab. */
export default defineEventHandler((event) => {
  setResponseHeader(event, 'content-type', 'text/html; charset=utf-8')
  setResponseHeader(event, 'cache-control', 'no-store')
  return devtoolsPage(useAegis().config.endpoints.authPath)
})
