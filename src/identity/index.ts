import type { Api } from '../http/api.ts'
import type { IdentityDeps } from './context.ts'
import { registerEmailRoutes } from './email.routes.ts'
import { registerPasswordRoutes } from './password.routes.ts'
import { registerSessionRoutes } from './sessions.routes.ts'
import { registerUserRoutes } from './users.routes.ts'

export function registerIdentityRoutes(api: Api, deps: IdentityDeps) {
  registerSessionRoutes(api, deps)
  registerUserRoutes(api, deps)
  registerEmailRoutes(api, deps)
  registerPasswordRoutes(api, deps)
}
