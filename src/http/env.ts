import type { HttpBindings } from '@hono/node-server'
import type { Logger } from 'pino'

/** What the pipeline learned about the caller; handlers never re-parse cookies or headers. */
export interface Principal {
  kind: 'session' | 'apikey' | 'bearer'
  uid: string
  userId: number
  role: string
  /** Session id hash (cookie path) or kid (API-key path). */
  ref: string
  csrfToken?: string
}

export interface AppVariables {
  requestId: string
  logger: Logger
  /** Matched route pattern, for logs and metrics. */
  route: string
  clientIp: string
  principal: Principal | undefined
}

export interface AppEnv {
  Bindings: HttpBindings
  Variables: AppVariables
}
