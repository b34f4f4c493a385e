import { Hono, type Context } from 'hono'
import type { z } from 'zod'
import type { User } from '../storage/schema/index.ts'
import type { Principal } from '../authz/request.ts'
import type { AppEnv } from './env.ts'
import { AppError, errors } from './errors.ts'
import { buildDocument, type DocumentedRoute } from './openapi.ts'
import { validateParams, type ParamsOf, type ParamsSpec } from './params.ts'
import { readParams } from './read-params.ts'
import type { Ability, Access, ErrorKeys, Method } from './route-decl.ts'

export type { Ability, Access, ErrorKeys, Method } from './route-decl.ts'

/** The authenticated caller, as the gateway established it; handlers never re-read cookies or headers. */
export interface Caller {
  principal: Principal
  user: User
}

export type CallerOf<A extends Access> = A extends 'none' ? { principal: Principal | undefined } : Caller

export interface ApiRoute<P extends ParamsSpec, A extends Access = 'none'> {
  method: Method
  /** Barong path below the API base, Hono notation: `/resource/api_keys/:kid`. */
  path: string
  tag: 'public' | 'identity' | 'resource' | 'admin'
  summary: string
  /** Prefix of generated validation keys, e.g. `identity.user`. */
  prefix: string
  params?: P
  /** Success status, for the document. */
  status?: number
  /**
   * 'user': the gateway must have authenticated the caller (401 `jwt.decode_and_verify` otherwise);
   * `{ability}`: and the caller's role must hold it (403 `admin.ability.not_permitted` otherwise).
   */
  auth?: A
  /** The success body, for the document. */
  response?: z.ZodType
  /** Keys the handler itself can answer; parameter, authentication and body keys are added from the declaration. */
  errors?: ErrorKeys
  /** Request body limit in bytes for this route (default: the API's, `BODY_LIMIT`). */
  bodyLimit?: number
  handler: (c: Context<AppEnv>, params: ParamsOf<P>, caller: CallerOf<A>) => Response | Promise<Response>
}

/** Decides whether a role holds an ability; the abilities table plugs in here. */
export type AbilityCheck = (role: string, ability: Ability) => boolean

/** Until a table is configured no ability is granted: an admin route fails closed. */
export const denyEveryAbility: AbilityCheck = () => false

export interface ApiOptions {
  base?: string
  /** Default request body limit in bytes. */
  bodyLimit?: number
  /** The full user row of an authenticated principal (null: gone since the gate looked). */
  loadUser?: (principal: Principal) => Promise<User | null>
  can?: AbilityCheck
}

export interface Api {
  readonly base: string
  readonly app: Hono<AppEnv>
  add<P extends ParamsSpec, A extends Access = 'none'>(route: ApiRoute<P, A>): void
  /** The largest body any route accepts: the bound for reading a body before the route is known. */
  largestBodyLimit(): number
  openapi(info: { title: string; version: string }): object
}

const DEFAULT_BODY_LIMIT = 64 * 1024

/**
 * The route's own body limit. The body was already bounded by the largest route limit (app.ts) and may
 * have been read by the gate; an announced length is checked without reading.
 */
async function enforceBodyLimit(c: Context, maxSize: number): Promise<void> {
  const announced = c.req.header('content-length')
  if (announced !== undefined && c.req.header('transfer-encoding') === undefined) {
    if (Number(announced) > maxSize) throw errors.payloadTooLarge()
    return
  }
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return
  if ((await c.req.arrayBuffer()).byteLength > maxSize) throw errors.payloadTooLarge()
}

async function callerOf(c: Context<AppEnv>, access: Access, opts: Required<Pick<ApiOptions, 'loadUser' | 'can'>>): Promise<Caller | { principal: Principal | undefined }> {
  const principal = c.var.principal
  if (access === 'none') return { principal }
  if (!principal) throw new AppError('jwt.decode_and_verify', 401)
  const user = await opts.loadUser(principal)
  // The row's role, not the session's: a demotion holds from the next request.
  if (typeof access === 'object' && !opts.can(user?.role ?? principal.role, access.ability)) throw new AppError('admin.ability.not_permitted', 403)
  if (!user) throw errors.notFound()
  return { principal, user }
}

/** Barong's API: each route declared once, served by Hono and described in the OpenAPI document. */
export function createApi(options: string | ApiOptions = {}): Api {
  const opts: ApiOptions = typeof options === 'string' ? { base: options } : options
  const base = opts.base ?? '/api/v2/barong'
  const defaultLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT
  const resolve = { loadUser: opts.loadUser ?? (async () => null), can: opts.can ?? denyEveryAbility }
  const app = new Hono<AppEnv>()
  const routes: DocumentedRoute[] = []
  let doc: object | undefined
  return {
    base,
    app,
    add(route) {
      const spec: ParamsSpec = route.params ?? {}
      const full = base + route.path
      const access: Access = route.auth ?? 'none'
      const maxSize = route.bodyLimit ?? defaultLimit
      routes.push({
        method: route.method,
        path: full,
        tag: route.tag,
        summary: route.summary,
        prefix: route.prefix,
        params: spec,
        status: route.status ?? (route.method === 'post' ? 201 : 200),
        access,
        response: route.response,
        errors: route.errors ?? {},
        bodyLimit: maxSize,
      })
      app.on(route.method.toUpperCase(), full, async (c) => {
        c.set('route', full)
        const caller = (await callerOf(c, access, resolve)) as CallerOf<typeof access & Access>
        await enforceBodyLimit(c, maxSize)
        const raw = await readParams(c)
        Object.assign(raw, c.req.param())
        const result = validateParams(route.prefix, spec, raw)
        if (!result.ok) throw new AppError(result.errors, 422)
        return route.handler(c, result.value as never, caller as never)
      })
      doc = undefined
    },
    largestBodyLimit() {
      return Math.max(defaultLimit, ...routes.map((r) => r.bodyLimit))
    },
    openapi(info) {
      doc ??= buildDocument(info, routes)
      return doc
    },
  }
}
