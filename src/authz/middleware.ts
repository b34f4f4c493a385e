import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Deps } from '../deps.ts'
import type { AppEnv } from '../http/env.ts'
import { AppError } from '../http/errors.ts'
import { readSessionCookie } from '../http/session-cookie.ts'
import { clientIp } from './core/client-ip.ts'
import { gate, type GateDeps, type GateResult } from './gate.ts'
import { formOverridesMethod, isFormBody } from './core/method-override.ts'
import { createPeerTrust } from '../gateway/proxy-headers.ts'

/** The client address: X-Forwarded-For is believed only through BARONG_TRUSTED_PROXIES. */
export function clientIpMiddleware(deps: Pick<Deps, 'trustedProxies' | 'config'>) {
  const env = deps.config.env
  const trueClient = env.BARONG_GATEWAY === 'akamai' || env.BARONG_TRUST_TRUE_CLIENT_IP
  return createMiddleware<AppEnv>(async (c, next) => {
    const peer = peerOf(c)
    const xff = c.req.header('x-forwarded-for')
    c.set('clientIp', clientIp(peer, xff, deps.trustedProxies, trueClient ? c.req.header('true-client-ip') : undefined))
    c.set('principal', undefined)
    await next()
  })
}

/** The socket peer. In-process requests (tests, app.request) have no socket: they come from the loopback. */
export function peerOf(c: Context<AppEnv>): string {
  return c.env?.incoming?.socket?.remoteAddress ?? '127.0.0.1'
}

/** Whether a request's socket peer is in BARONG_TRUSTED_PROXIES (remembered per address). */
export function peerTrustOf(deps: Pick<Deps, 'trustedProxies'>): (c: Context<AppEnv>) => boolean {
  const trusted = createPeerTrust(deps.trustedProxies)
  return (c) => trusted(peerOf(c))
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
      session: { idleMs: env.BARONG_SESSION_EXPIRE_TIME * 1000, absoluteMs: env.BARONG_SESSION_ABSOLUTE_TIME * 1000 },
    },
    rules: deps.authzRules,
    geoip: deps.geoip,
    audit: deps.audit,
    now: () => deps.clock.now(),
  }
}

/** The request target as sent, before any URL normalisation (node server), else the parsed URL's. */
export function rawPathOf(c: Context<AppEnv>): { path: string; query: string } {
  const raw = c.env?.incoming?.url ?? new URL(c.req.url).pathname + new URL(c.req.url).search
  const q = raw.indexOf('?')
  return q < 0 ? { path: raw, query: '' } : { path: raw.slice(0, q), query: raw.slice(q + 1) }
}

export async function runGate(deps: Deps, g: GateDeps, c: Context<AppEnv>, rawPath: string, query: string, allowBearer: boolean, method = c.req.method): Promise<GateResult> {
  return gate(g, {
    rawPath,
    method,
    ip: c.var.clientIp,
    ua: c.req.header('user-agent') ?? null,
    query,
    auth: {
      header: (name) => c.req.header(name),
      sessionId: readSessionCookie(c, deps.config.env),
      allowBearer,
    },
  })
}

/**
 * The built-in Barong API passes the same restrictions, rules and permissions as any upstream; its
 * handlers receive the principal and never re-parse cookies.
 */
export function builtinApiGate(deps: Deps, g: GateDeps) {
  const peerTrusted = peerTrustOf(deps)
  return createMiddleware<AppEnv>(async (c, next) => {
    const { path, query } = rawPathOf(c)
    // A Bearer JWT only from a trusted hop (a proxy that asked /api/v2/auth); from anyone else it is ignored.
    const result = await runGate(deps, g, c, path, query, peerTrusted(c))
    if (result.type === 'deny') throw new AppError(result.key, result.status as 400)
    const type = c.req.header('content-type')
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && isFormBody(type) && formOverridesMethod(type!, new Uint8Array(await c.req.arrayBuffer()))) {
      throw new AppError('authz.invalid_request', 400)
    }
    if (result.type === 'allow') c.set('principal', result.principal)
    await next()
  })
}
