import { cors } from 'hono/cors'
import type { Env } from '../config/env.ts'

type CorsEnv = Pick<Env, 'BARONG_API_CORS_ORIGINS' | 'BARONG_API_CORS_ALLOW_CREDENTIALS' | 'BARONG_API_CORS_MAX_AGE'>

const EXPOSED = ['Total', 'Page', 'Per-Page', 'Link']
const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD']

/** Barong's origin rule: its list (or *); with credentials allowed the request's origin is reflected, never `*`. */
function allowedOrigin(env: CorsEnv, origin: string): string | null {
  if (env.BARONG_API_CORS_ORIGINS.includes('*')) return env.BARONG_API_CORS_ALLOW_CREDENTIALS ? origin || null : '*'
  return env.BARONG_API_CORS_ORIGINS.includes(origin) ? origin : null
}

/** CORS as Barong's Rack::Cors on /api/*: any request headers, its methods, pagination headers exposed. */
export function barongCors(env: CorsEnv) {
  return cors({
    origin: (origin) => allowedOrigin(env, origin),
    allowMethods: METHODS,
    exposeHeaders: EXPOSED,
    credentials: env.BARONG_API_CORS_ALLOW_CREDENTIALS,
    maxAge: env.BARONG_API_CORS_MAX_AGE,
  })
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
