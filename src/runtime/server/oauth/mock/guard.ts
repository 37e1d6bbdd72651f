import type { EventHandlerRequest, H3Event } from 'h3'
import { defineEventHandler } from 'h3'
import { isTruthy } from '../../context/config'
import { AegisError, sendError } from '../../core/errors'
import type { MockIdp } from './mock-idp'
import { useAegis } from '../../context/services'

/** The mock provider is for dev and tests: off when NODE_ENV is production unless explicitly allowed. */
export function isMockEnabled(config: { enabled?: unknown, enableInProduction?: unknown } | undefined): boolean {
  if (!config || config.enabled === false) return false
  return process.env.NODE_ENV !== 'production' || isTruthy(config.enableInProduction)
}

/** A route of the mock identity provider: 404 `provider_disabled` whenever the mock is off. */
export function defineMockRoute(handler: (event: H3Event<EventHandlerRequest>, mockIdp: MockIdp) => unknown) {
  return defineEventHandler((event) => {
    const { config, mockIdp } = useAegis()
    if (!isMockEnabled(config.providers.mock)) return sendError(event, new AegisError(404, 'provider_disabled'))
    return handler(event, mockIdp)
  })
}
