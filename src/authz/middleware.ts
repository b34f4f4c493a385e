import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Deps } from '../deps.ts'
import type { AppEnv } from '../http/env.ts'
import { AppError } from '../http/errors.ts'
import { sessionIdFromHeader } from '../http/session-cookie.ts'
import { createClientIpResolver, createPeerTrust } from './core/client-ip.ts'
import { gate, type GateDeps } from './gate.ts'
import { formOverridesMethod, isFormBody } from './core/method-override.ts'
import { gateInput, type RequestFacts } from './request.ts'

/** The client address: X-Forwarded-For is believed only through BARONG_TRUSTED_PROXIES. */
export function clientIpMiddleware(deps: Pick<Deps, 'trustedProxies'>) {
  const clientIp = createClientIpResolver(deps.trustedProxies)
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set('clientIp', clientIp(peerOf(c), (name) => c.req.header(name)))
    c.set('principal', undefined)
    await next()
  })
}

/** The socket peer. In-process requests (app.request) have no socket: they come from the loopback. */
function peerOf(c: Context<AppEnv>): string {
  return c.env?.incoming?.socket?.remoteAddress ?? '127.0.0.1'
}

export function gateDeps(deps: Deps): GateDeps {
  const env = deps.config.env
  return {
    logger: deps.logger,
    auth: {
      cache: deps.authzCache,
      store: deps.store,
      keys: deps.keys,
      now: () => deps.clock.now(),
      csrf: env.BARONG_CSRF_PROTECTION,
      nonceLifetimeMs: env.BARONG_APIKEY_NONCE_LIFETIME,
      sessions: deps.sessions,
    },
    rules: deps.authzRules,
    geoip: deps.geoip,
    audit: deps.audit,
    now: () => deps.clock.now(),
    decided: deps.operatorMetrics.decided,
  }
}

/** The request target as sent, before any URL normalisation (node server), else the parsed URL's. */
function rawPathOf(c: Context<AppEnv>): { path: string; query: string } {
  const raw = c.env?.incoming?.url ?? new URL(c.req.url).pathname + new URL(c.req.url).search
  const q = raw.indexOf('?')
  return q < 0 ? { path: raw, query: '' } : { path: raw.slice(0, q), query: raw.slice(q + 1) }
}

/**
 * The built-in Barong API passes the same restrictions, rules and permissions as any upstream; its
 * handlers receive the principal and never re-parse cookies.
 */
export function builtinApiGate(deps: Deps, g: GateDeps) {
  const peerTrusted = createPeerTrust(deps.trustedProxies)
  const sessionName = deps.config.env.BARONG_SESSION_NAME
  return createMiddleware<AppEnv>(async (c, next) => {
    const { path, query } = rawPathOf(c)
    const header = (name: string) => c.req.header(name)
    const facts: RequestFacts = {
      path,
      query,
      method: c.req.method,
      clientIp: c.var.clientIp,
      header,
      sessionId: sessionIdFromHeader(header('cookie'), sessionName),
      peerTrusted: peerTrusted(peerOf(c)),
    }
    // A Bearer JWT only from a trusted hop (a proxy that asked /api/v2/auth); from anyone else it is ignored.
    const result = await gate(g, gateInput(facts, facts.peerTrusted))
    if (result.type === 'deny') throw new AppError(result.key, result.status as 400)
    const type = c.req.header('content-type')
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && isFormBody(type) && formOverridesMethod(type!, new Uint8Array(await c.req.arrayBuffer()))) {
      throw new AppError('authz.invalid_request', 400)
    }
    if (result.type === 'allow') c.set('principal', result.principal)
    await next()
  })
}
