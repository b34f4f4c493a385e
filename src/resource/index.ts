import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { registerApiKeyRoutes } from './api-keys.routes.ts'
import { registerDataStorageRoutes } from './data-storage.routes.ts'
import { registerDocumentRoutes } from './documents.routes.ts'
import { registerLabelRoutes } from './labels.routes.ts'
import { registerOtpRoutes } from './otp.routes.ts'
import { registerPhoneRoutes } from './phones.routes.ts'
import { registerProfileRoutes } from './profiles.routes.ts'
import { registerUserRoutes } from './users.routes.ts'

/** The signed-in user's API (`/resource/…`). */
export function registerResourceRoutes(api: Api, deps: Deps) {
  registerUserRoutes(api, deps)
  registerOtpRoutes(api, deps)
  registerApiKeyRoutes(api, deps)
  registerPhoneRoutes(api, deps)
  registerProfileRoutes(api, deps)
  registerDocumentRoutes(api, deps)
  registerLabelRoutes(api, deps)
  registerDataStorageRoutes(api, deps)
}
