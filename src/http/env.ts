import type { HttpBindings } from '@hono/node-server'
import type { Logger } from 'pino'
import type { Principal } from '../authz/request.ts'

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
