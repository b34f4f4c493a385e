import type { Deps } from '../deps.ts'
import { statusFor } from './decide.ts'
import { gate, type GateDeps } from './gate.ts'

export const AUTHZ_PREFIX = '/api/v2/auth'

export interface AuthzQuestion {
  /** The raw request target's path (starting with /api/v2/auth) and query. */
  path: string
  query: string
  method: string
  ip: string
  header(name: string): string | undefined
  sessionId: string | undefined
}

export interface AuthzAnswer {
  status: number
  authorization?: string
  errorKey?: string
}

/**
 * The answer to Envoy ext_authz, nginx auth_request and Traefik forwardAuth, shared by the raw fast path
 * and the in-process app: 200 with `Authorization: Bearer <JWT>` when allowed, 200 without it on pass
 * paths, Barong's status and key otherwise (nginx mode: 401/403 only).
 */
export async function answerAuthz(deps: Pick<Deps, 'minter' | 'config'>, g: GateDeps, q: AuthzQuestion): Promise<AuthzAnswer> {
  const mode = deps.config.env.BARONG_AUTHZ_STATUS
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
  const result = await gate(g, {
    rawPath: path,
    method,
    ip: q.ip,
    ua: q.header('user-agent') ?? null,
    query,
    auth: { header: q.header, sessionId: q.sessionId, allowBearer: false },
  })
  if (result.type === 'deny') return { status: statusFor(result.status, mode), errorKey: result.key }
  if (result.type === 'pass') return { status: 200 }
  return { status: 200, authorization: `Bearer ${await deps.minter.mint(result.user)}` }
}
