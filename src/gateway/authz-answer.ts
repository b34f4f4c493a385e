import type { Deps } from '../deps.ts'
import { clearedSessionCookieHeader, sessionCookieHeader } from '../http/session-cookie.ts'
import { statusFor } from '../authz/core/decide.ts'
import { gate, type GateDeps } from '../authz/gate.ts'
import { jwtRefOf } from '../authz/session-jwt.ts'
import { gateInput, type RequestFacts } from '../authz/request.ts'

export const AUTHZ_PREFIX = '/api/v2/auth'

export interface AuthzAnswer {
  status: number
  authorization?: string
  errorKey?: string
  /** The session cookie re-sent with its remaining lifetime (docs/barong-behaviour-notes.md#s1-7), or cleared after a
   *  mismatch (#s2). */
  setCookie?: string
}

/** What an untrusted peer is told: the endpoint does not exist for it (the JWT is for trusted hops only). */
const HIDDEN: AuthzAnswer = Object.freeze({ status: 404, errorKey: 'record.not_found' })

/**
 * The answer to Envoy ext_authz, nginx auth_request and Traefik forwardAuth, shared by the raw fast path
 * and the in-process app: 200 with `Authorization: Bearer <JWT>` when allowed, 200 without it on pass
 * paths, Barong's status and key otherwise (nginx mode: 401/403 only). Peers outside BARONG_TRUSTED_PROXIES get
 * 404: the minted JWT is a bearer credential for the hops behind the gateway, never for the client.
 */
/** `q.path` starts with /api/v2/auth; `q.peerTrusted`: only such a peer (Envoy, nginx, Traefik) is answered. */
export async function answerAuthz(deps: Pick<Deps, 'minter' | 'config'>, g: GateDeps, q: RequestFacts): Promise<AuthzAnswer> {
  if (!q.peerTrusted) return HIDDEN
  const env = deps.config.env
  const mode = env.BARONG_AUTHZ_STATUS
  let path = q.path.slice(AUTHZ_PREFIX.length)
  let query = q.query
  let method = q.method
  if (path === '' || path === '/') {
    // Traefik forwardAuth calls a fixed address and describes the original request in headers.
    const uri = q.header('x-forwarded-uri')
    if (!uri) return { status: statusFor(400, mode), errorKey: 'authz.invalid_path' }
    const i = uri.indexOf('?')
    path = i < 0 ? uri : uri.slice(0, i)
    query = i < 0 ? '' : uri.slice(i + 1)
    method = (q.header('x-forwarded-method') ?? method).toUpperCase()
  }
  const result = await gate(g, gateInput(q, false, path, query, method))
  if (result.type === 'deny') {
    const answer: AuthzAnswer = { status: statusFor(result.status, mode), errorKey: result.key }
    return result.clearCookie ? { ...answer, setCookie: clearedSessionCookieHeader(env) } : answer
  }
  if (result.type === 'pass') return { status: 200 }
  const authorization = `Bearer ${await deps.minter.mint(result.user, jwtRefOf(result.principal))}`
  if (result.sessionEndsAt === undefined || q.sessionId === undefined) return { status: 200, authorization }
  return { status: 200, authorization, setCookie: sessionCookieHeader(env, q.sessionId, (result.sessionEndsAt - g.now()) / 1000) }
}
