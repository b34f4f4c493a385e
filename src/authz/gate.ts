import type { Logger } from 'pino'
import { StoreUnavailableError } from '../cache/store.ts'
import type { Principal } from '../http/env.ts'
import type { AuditQueue } from './audit-queue.ts'
import { auditAction, auditTopic } from './audit-queue.ts'
import { authenticate, type AuthDeps, type AuthRequest } from './authenticate.ts'
import { matchPathRule, type AuthzRules } from './core/authz-rules.ts'
import type { UserSnapshot } from './authz-cache.ts'
import { canonicalPathOf } from './core/canonical-path.ts'
import { deny, postAuth, preAuth, type Deny } from './core/decide.ts'
import type { GeoIp } from './geoip.ts'
import { queryOverridesMethod } from './core/method-override.ts'
import { checkPermissionOf } from './core/permissions.ts'
import { firstRestriction } from './core/restrictions.ts'

export interface GateDeps {
  logger: Logger
  auth: AuthDeps
  rules: AuthzRules
  geoip: GeoIp
  audit: AuditQueue
  now: () => number
}

export interface GateInput {
  /** The path as the client sent it (not yet decoded or normalised), without the query. */
  rawPath: string
  method: string
  ip: string
  ua: string | null
  /** The raw query string (parsed only when an audit row is written). */
  query: string
  auth: Omit<AuthRequest, 'method' | 'ip'>
}

export type GateResult =
  | Deny
  | { type: 'pass'; path: string }
  | { type: 'allow'; path: string; user: UserSnapshot; principal: Principal; sessionEndsAt?: number }

const LOGIN_PATH = 'api/v2/barong/identity/sessions'
const WHITELINK_PATH = 'api/v2/barong/identity/users/access'

/**
 * One pipeline for every request (docs/architecture.md#pipeline): canonical path → restrictions → path rules →
 * authentication → user state → permissions. Any failure to decide denies (fail closed).
 */
export async function gate(deps: GateDeps, input: GateInput): Promise<GateResult> {
  // A `_method` parameter would let an upstream run another verb than the one authorized.
  if (queryOverridesMethod(input.query)) return deny(400, 'authz.invalid_request')
  const path = canonicalPathOf(input.rawPath)
  const table = deps.auth.cache
  const rulesLoaded = table.permissions !== null && table.restrictions !== null
  const restriction =
    path.ok && rulesLoaded && table.restrictions!.size > 0 && path.path !== WHITELINK_PATH
      ? firstRestriction(table.restrictions!, { ip: input.ip, ...deps.geoip.lookup(input.ip) }, { isLoginPath: path.path === LOGIN_PATH })
      : null
  const pre = preAuth({ path, restriction, pathRule: path.ok ? matchPathRule(deps.rules, path.segments) : null, rulesLoaded })
  if (pre.type === 'deny') return pre
  if (!path.ok) return deny(400, 'authz.invalid_path')
  if (pre.type === 'pass') return { type: 'pass', path: path.path }

  let auth
  try {
    auth = await authenticate(deps.auth, { ...input.auth, method: input.method, ip: input.ip })
  } catch (err) {
    // Whatever went wrong, the request is denied (fail closed); only the key differs.
    if (err instanceof StoreUnavailableError) return deny(503, 'server.store_unavailable')
    deps.logger.error({ err: (err as Error).message }, 'authentication failed unexpectedly')
    return deny(503, 'server.database_unavailable')
  }
  // HEAD is a read: the caller's GET rules also cover it.
  const permission =
    auth.type === 'user' ? checkPermissionOf(table.permissions!, auth.user.role, input.method, path.path, path.segments) : null
  const post = postAuth(auth.type === 'user' ? { type: 'user', state: auth.user.state, role: auth.user.role } : auth, permission)
  if (auth.type === 'user' && (post.type === 'allow' ? post.audit : post.key === 'authz.invalid_permission')) {
    recordAudit(deps, input, path.segments, auth.user.id, post.type === 'allow' ? 'succeed' : 'denied', post.type === 'allow' ? post.auditTopic : null)
  }
  if (post.type === 'deny') return auth.type === 'failed' && auth.clearCookie ? { ...post, clearCookie: true } : post
  if (auth.type !== 'user') return deny(401, 'authz.invalid_session')
  return { type: 'allow', path: path.path, user: auth.user, principal: auth.principal, ...(auth.sessionEndsAt ? { sessionEndsAt: auth.sessionEndsAt } : {}) }
}

function recordAudit(deps: GateDeps, input: GateInput, segments: readonly string[], userId: number, result: 'succeed' | 'denied', topic: string | null) {
  const params: Record<string, string> = Object.create(null)
  const query = new URLSearchParams(input.query)
  for (const [k, v] of query) params[k] = v
  params.path = segments.join('/')
  deps.audit.push({
    userId,
    category: 'admin',
    targetUid: query.get('uid') ?? query.get('user_uid') ?? '',
    userIp: input.ip,
    userAgent: (input.ua ?? '').slice(0, 255),
    topic: auditTopic(segments, result === 'succeed' ? topic : null),
    action: auditAction(input.method),
    result,
    data: JSON.stringify(params),
    createdAt: new Date(deps.now()),
  })
}
