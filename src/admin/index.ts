import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { registerAbilityRoutes } from './abilities.routes.ts'
import { registerAdminUserRoutes, registerAdminUserViewRoutes } from './users.routes.ts'
import { registerAdminLabelRoutes } from './user-labels.routes.ts'
import { registerLevelAndMetricRoutes } from './levels-metrics.routes.ts'
import { registerPermissionRoutes } from './permissions.routes.ts'
import { registerRestrictionRoutes } from './restrictions.routes.ts'
import { registerAdminActivityRoutes } from './activities.routes.ts'
import { registerAdminApiKeyAndCommentRoutes } from './api-keys-comments.routes.ts'
import { registerAdminProfileRoutes } from './profiles.routes.ts'
import { registerAdminDocumentRoutes } from './documents.routes.ts'

/** The staff API (`/admin/…`): every route names the ability it needs (config/abilities.yml). */
export function registerAdminRoutes(api: Api, deps: Deps) {
  registerAbilityRoutes(api, deps)
  registerAdminUserRoutes(api, deps)
  registerAdminLabelRoutes(api, deps)
  registerPermissionRoutes(api, deps)
  registerRestrictionRoutes(api, deps)
  registerLevelAndMetricRoutes(api, deps)
  registerAdminActivityRoutes(api, deps)
  registerAdminApiKeyAndCommentRoutes(api, deps)
  registerAdminProfileRoutes(api, deps)
  registerAdminDocumentRoutes(api, deps)
  // Last: `/admin/users/:uid` must not shadow the routes above.
  registerAdminUserViewRoutes(api, deps)
}
