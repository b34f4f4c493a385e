import { cors } from 'hono/cors'
import type { Env } from '../config/env.ts'

/**
 * CORS as Barong's Rack::Cors on /api/*: its origins list (or *), any request headers, its methods.
 * With credentials allowed the request's origin is reflected, never `*`.
 */
export function barongCors(env: Pick<Env, 'BARONG_API_CORS_ORIGINS' | 'BARONG_API_CORS_ALLOW_CREDENTIALS' | 'BARONG_API_CORS_MAX_AGE'>) {
  const origins = env.BARONG_API_CORS_ORIGINS
  const any = origins.includes('*')
  const credentials = env.BARONG_API_CORS_ALLOW_CREDENTIALS
  return cors({
    origin: (origin) => {
      if (any) return credentials ? origin || null : '*'
      return origins.includes(origin) ? origin : null
    },
    allowMethods: ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'],
    exposeHeaders: ['Total', 'Page', 'Per-Page', 'Link'],
    credentials,
    maxAge: env.BARONG_API_CORS_MAX_AGE,
  })
}
