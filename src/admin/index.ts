import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { registerAbilityRoutes } from './abilities.routes.ts'
import { registerAdminUserRoutes, registerAdminUserViewRoutes } from './users.routes.ts'
import { registerAdminLabelRoutes } from './user-labels.routes.ts'

/** The staff API (`/admin/…`): every route names the ability it needs (config/abilities.yml). */
export function registerAdminRoutes(api: Api, deps: Deps) {
  registerAbilityRoutes(api, deps)
  registerAdminUserRoutes(api, deps)
  registerAdminLabelRoutes(api, deps)
  // Last: `/admin/users/:uid` must not shadow the routes above.
  registerAdminUserViewRoutes(api, deps)
}
