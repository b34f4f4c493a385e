import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'
import { ConfigError, type Env } from '../config/env.ts'

type CorsEnv = Pick<Env, 'BARONG_API_CORS_ORIGINS' | 'BARONG_API_CORS_ALLOW_CREDENTIALS' | 'BARONG_API_CORS_MAX_AGE'>

const EXPOSED = ['Total', 'Page', 'Per-Page', 'Link']
const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD']

/**
 * Credentials for every origin would let any site read a signed-in user's answers: refused at start, as
 * rack-cors refuses `origins '*'` with `credentials: true`.
 */
export function assertCorsConfig(env: CorsEnv): void {
  if (env.BARONG_API_CORS_ALLOW_CREDENTIALS && env.BARONG_API_CORS_ORIGINS.includes('*')) {
    throw new ConfigError('invalid configuration: BARONG_API_CORS_ALLOW_CREDENTIALS=true needs BARONG_API_CORS_ORIGINS to list the allowed origins, not *')
  }
}

/** Barong's origin rule: its list, or `*` without credentials (assertCorsConfig); `null` is never reflected. */
function allowedOrigin(env: CorsEnv, origin: string): string | null {
  if (env.BARONG_API_CORS_ORIGINS.includes('*')) return env.BARONG_API_CORS_ALLOW_CREDENTIALS ? null : '*'
  return origin !== 'null' && env.BARONG_API_CORS_ORIGINS.includes(origin) ? origin : null
}

/**
 * Whether a request's `Origin` is one the service trusts for a cookie request without a CSRF token (logout from
 * the exchange front end, a WebSocket upgrade): absent (and not marked cross-site), the service's own host, or
 * listed in BARONG_API_CORS_ORIGINS (`*` lists none).
 */
export function originTrusted(env: Pick<Env, 'BARONG_API_CORS_ORIGINS'>, origin: string | undefined, ownHost: string | undefined, fetchSite: string | undefined): boolean {
  if (origin === undefined) return fetchSite !== 'cross-site'
  if (env.BARONG_API_CORS_ORIGINS.includes(origin)) return true
  try {
    return ownHost !== undefined && new URL(origin).host === ownHost.toLowerCase()
  } catch {
    return false // `null` and other opaque origins
  }
}

/**
 * CORS as Barong's Rack::Cors on /api/*: any request headers, its methods, pagination headers exposed. Hono's
 * middleware answers preflights. A simple request's headers are added to the answer once it is made: Hono's
 * middleware set them on the context's response before the handler ran, and the handler's answer then had to be
 * copied into a new fetch Response with a streamed body (`BENCH_PROFILE=1 npm run bench -- login`: 6 % of a
 * sign-in's main thread).
 */
export function barongCors(env: CorsEnv): MiddlewareHandler {
  assertCorsConfig(env)
  const preflight = cors({
    origin: (origin) => allowedOrigin(env, origin),
    allowMethods: METHODS,
    exposeHeaders: EXPOSED,
    credentials: env.BARONG_API_CORS_ALLOW_CREDENTIALS,
    maxAge: env.BARONG_API_CORS_MAX_AGE,
  })
  const exposed = EXPOSED.join(',')
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next)
    await next()
    let headers = c.res.headers
    try {
      headers.append('Vary', 'Origin')
    } catch {
      // A response with immutable headers (one fetched): answered as a copy.
      c.res = new Response(c.res.body, c.res)
      headers = c.res.headers
      headers.append('Vary', 'Origin')
    }
    const allow = allowedOrigin(env, c.req.header('origin') || '')
    if (allow) headers.set('Access-Control-Allow-Origin', allow)
    if (env.BARONG_API_CORS_ALLOW_CREDENTIALS) headers.set('Access-Control-Allow-Credentials', 'true')
    headers.set('Access-Control-Expose-Headers', exposed)
  }
}

/** The same headers for a simple (non-preflight) request, for answers written outside Hono. */
export function corsHeaders(env: CorsEnv, origin: string | undefined): Record<string, string> {
  const allow = allowedOrigin(env, origin ?? '')
  if (!allow) return {}
  const h: Record<string, string> = { 'access-control-allow-origin': allow, 'access-control-expose-headers': EXPOSED.join(',') }
  if (env.BARONG_API_CORS_ALLOW_CREDENTIALS) h['access-control-allow-credentials'] = 'true'
  if (allow !== '*') h.vary = 'Origin'
  return h
}
