import { Hono } from 'hono'
import type { Deps } from '../deps.ts'
import type { AppEnv } from '../http/env.ts'
import { statusFor } from './decide.ts'
import type { GateDeps } from './gate.ts'
import { rawPathOf, runGate } from './middleware.ts'

const PREFIX = '/api/v2/auth'

/**
 * Envoy ext_authz, nginx auth_request and Traefik forwardAuth: any method on /api/v2/auth/<path>.
 * Allowed: 200 with `Authorization: Bearer <JWT>` (none for pass paths); denied: Barong's status and
 * key (nginx mode: 401/403 only). Traefik sends the original request in X-Forwarded-Method/-Uri.
 */
export function authzRoutes(deps: Deps, g: GateDeps) {
  const app = new Hono<AppEnv>()
  const mode = deps.config.env.BARONG_AUTHZ_STATUS
  const handler = async (c: import('hono').Context<AppEnv>) => {
    c.set('route', `${PREFIX}/*`)
    let { path, query } = rawPathOf(c)
    let method = c.req.method
    const fwdUri = c.req.header('x-forwarded-uri')
    if (path === PREFIX || path === `${PREFIX}/`) {
      // Traefik forwardAuth calls a fixed address and describes the original request in headers.
      if (!fwdUri) return c.json({ errors: ['authz.invalid_path'] }, statusFor(400, mode) as 400)
      const q = fwdUri.indexOf('?')
      path = q < 0 ? fwdUri : fwdUri.slice(0, q)
      query = new URLSearchParams(q < 0 ? '' : fwdUri.slice(q + 1))
      method = (c.req.header('x-forwarded-method') ?? method).toUpperCase()
    } else {
      path = path.slice(PREFIX.length)
    }
    const result = await runGate(deps, g, c, path, query, false, method)
    if (result.type === 'deny') return c.json({ errors: [result.key] }, statusFor(result.status, mode) as 401)
    if (result.type === 'pass') return c.body(null, 200)
    c.header('Authorization', `Bearer ${await deps.minter.mint(result.user)}`)
    return c.body(null, 200)
  }
  app.all(PREFIX, handler)
  app.all(`${PREFIX}/*`, handler)
  return app
}
