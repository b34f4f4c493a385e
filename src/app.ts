import { eq } from 'drizzle-orm'
import { Hono } from 'hono'
import type { Deps } from './deps.ts'
import { createApi, type Api } from './http/api.ts'
import { limitBody } from './http/body-limit.ts'
import { barongCors } from './http/cors.ts'
import type { AppEnv } from './http/env.ts'
import { AppError } from './http/errors.ts'
import { healthRoutes, type Readiness } from './http/health.ts'
import { observe } from './http/observe.ts'
import { notFound, onError } from './http/on-error.ts'
import { requestId } from './http/request-id.ts'
import { registerGeneralRoutes } from './public/general.routes.ts'
import { registerKycCallbackRoute } from './public/kyc.routes.ts'
import { registerIdentityRoutes } from './identity/index.ts'
import { registerResourceRoutes } from './resource/index.ts'
import { registerAdminRoutes } from './admin/index.ts'
import { holds } from './admin/abilities.ts'
import { builtinApiGate, clientIpMiddleware, gateDeps } from './authz/middleware.ts'
import { mediaType } from './http/media-type.ts'
import { users, type User } from './storage/schema/index.ts'

export interface BuiltApp {
  app: Hono<AppEnv>
  api: Api
  readiness: Readiness
}

/** The caller's row for routes declared `auth: 'user'` or with an ability. */
async function loadUserRow(deps: Deps, id: number): Promise<User | null> {
  const [row] = await deps.db.select().from(users).where(eq(users.id, id)).limit(1)
  return row ?? null
}

export interface BuildOptions {
  /** More routes on Barong's API, declared like the built-in ones (tests register probes here). */
  routes?: (api: Api) => void
}

/** The bodies an HTML form can send cross-site without a preflight. */
const SIMPLE_FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'])

/** Middleware order and mounts; tests import this and call app.request(). */
export function buildApp(deps: Deps, options: BuildOptions = {}): BuiltApp {
  const env = deps.config.env
  const app = new Hono<AppEnv>()
  const readiness: Readiness = { draining: false }

  app.use('*', requestId)
  app.use('*', observe(deps))
  const limit = limitBody(env.BODY_LIMIT)
  const api = createApi({
    base: '/api/v2/barong',
    bodyLimit: env.BODY_LIMIT,
    loadUser: (p) => loadUserRow(deps, p.userId),
    can: (role, ability) => holds(deps.config.abilities, role, ability),
  })
  // Barong's API bounds a body by its largest route limit here (the gate may read a form body) and by the
  // route's own after authentication; known once every route is declared.
  let apiLimit: ReturnType<typeof limitBody> | undefined
  const underApi = (path: string) => path.startsWith(`${api.base}/`)
  app.use('*', (c, next) => {
    if (!underApi(c.req.path)) return limit(c, next)
    apiLimit ??= limitBody(api.largestBodyLimit())
    return apiLimit(c, next)
  })
  app.use('*', clientIpMiddleware(deps))
  app.use('/api/*', barongCors(env))
  const g = gateDeps(deps)
  app.onError(onError)
  app.notFound(notFound)

  app.route('/', healthRoutes(deps, readiness))
  app.get('/.well-known/jwks.json', (c) => {
    c.set('route', '/.well-known/jwks.json')
    c.header('Cache-Control', 'public, max-age=300')
    return c.json(deps.keys.jwks)
  })

  registerGeneralRoutes(api, deps, 'public')
  registerGeneralRoutes(api, deps, 'identity')
  registerKycCallbackRoute(api, deps)
  registerIdentityRoutes(api, deps)
  registerResourceRoutes(api, deps)
  registerAdminRoutes(api, deps)
  options.routes?.(api)
  app.get('/api/v2/barong/openapi.json', (c) => {
    c.set('route', '/api/v2/barong/openapi.json')
    return c.json(api.openapi({ title: 'Barong API', version: env.GIT_TAG }))
  })

  // Login CSRF: a cross-site HTML form could sign a victim in (or up) as the attacker. Browsers mark such
  // posts with Sec-Fetch-Site; JSON clients and same-site forms are unaffected.
  app.post('/api/v2/barong/identity/*', async (c, next) => {
    const form = SIMPLE_FORM_TYPES.has(mediaType(c.req.header('content-type')))
    if (form && c.req.header('sec-fetch-site') === 'cross-site') throw new AppError('authz.cross_site_request', 403)
    await next()
  })
  app.use('/api/v2/barong/*', builtinApiGate(deps, g))
  app.route('/', api.app)

  return { app, api, readiness }
}
