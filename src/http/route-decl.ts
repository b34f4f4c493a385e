/** Declaration vocabulary shared by the route table (api.ts) and its document (openapi.ts). */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** An admin ability as Barong 2.6 names it (`admin_authorize! :read, User`). */
export interface Ability {
  action: 'read' | 'create' | 'update' | 'destroy'
  subject: string
}

/** Who may call: anyone, any authenticated user, or a user whose role holds an admin ability. */
export type Access = 'none' | 'user' | { ability: Ability }

/** Error keys a route can answer, by status (listed in the OpenAPI document). */
export type ErrorKeys = Readonly<Partial<Record<400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 503, readonly string[]>>>
