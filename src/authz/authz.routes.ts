import { Hono, type Context } from 'hono'
import type { Deps } from '../deps.ts'
import type { AppEnv } from '../http/env.ts'
import { readSessionCookie } from '../http/session-cookie.ts'
import { AUTHZ_PREFIX, answerAuthz } from '../gateway/authz-answer.ts'
import type { GateDeps } from './gate.ts'
import { peerTrustOf, rawPathOf } from './middleware.ts'

/**
 * /api/v2/auth/* inside the Hono app. A listening server answers these on its raw fast path (front.ts)
 * with the same `answerAuthz`; this route serves in-process requests and anything the fast path defers.
 */
export function authzRoutes(deps: Deps, g: GateDeps) {
  const app = new Hono<AppEnv>()
  // With a listener of its own (BARONG_AUTHZ_PORT) the endpoint is not served here at all.
  if (deps.config.env.BARONG_AUTHZ_PORT !== undefined) return app
  const peerTrusted = peerTrustOf(deps)
  const handler = async (c: Context<AppEnv>) => {
    c.set('route', `${AUTHZ_PREFIX}/*`)
    const { path, query } = rawPathOf(c)
    const answer = await answerAuthz(deps, g, {
      path,
      query,
      method: c.req.method,
      ip: c.var.clientIp,
      header: (name) => c.req.header(name),
      sessionId: readSessionCookie(c, deps.config.env),
      peerTrusted: peerTrusted(c),
    })
    if (answer.setCookie) c.header('Set-Cookie', answer.setCookie)
    if (answer.errorKey) return c.json({ errors: [answer.errorKey] }, answer.status as 401)
    if (answer.authorization) c.header('Authorization', answer.authorization)
    return c.body(null, 200)
  }
  app.all(AUTHZ_PREFIX, handler)
  app.all(`${AUTHZ_PREFIX}/*`, handler)
  return app
}
