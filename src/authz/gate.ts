import type { Logger } from 'pino'
import { toAppError } from '../http/on-error.ts'
import type { AuditQueue } from './audit-queue.ts'
import { auditAction, auditTopic } from './audit-queue.ts'
import { authenticate, type AuthDeps } from './authenticate.ts'
import { matchPathRule, type AuthzRules } from './core/authz-rules.ts'
import type { UserSnapshot } from './authz-cache.ts'
import { canonicalPathOf } from './core/canonical-path.ts'
import { deny, postAuth, preAuth, type Deny } from './core/decide.ts'
import type { GeoIp } from './geoip.ts'
import { queryOverridesMethod } from './core/method-override.ts'
import { checkPermissionOf } from './core/permissions.ts'
import { firstRestriction } from './core/restrictions.ts'
import type { GateInput, Principal } from './request.ts'

export type { GateInput } from './request.ts'

export interface GateDeps {
  logger: Logger
  auth: AuthDeps
  rules: AuthzRules
  geoip: GeoIp
  audit: AuditQueue
  now: () => number
  /** Told every outcome (metrics); must not throw. */
  decided?: (result: GateResult['type'], reason: string) => void
}

export type GateResult =
  | Deny
  | { type: 'pass'; path: string }
  | { type: 'allow'; path: string; user: UserSnapshot; principal: Principal; sessionEndsAt?: number }

const LOGIN_PATH = 'api/v2/barong/identity/sessions'
const WHITELINK_PATH = 'api/v2/barong/identity/users/access'

/**
 * One pipeline for every request (docs/architecture.md#pipeline): canonical path → restrictions → path rules →
 * authentication → user state → permissions. The decisions are core/decide.ts's; this gathers their facts.
 * Any failure to decide denies (fail closed).
 */
export async function gate(deps: GateDeps, input: GateInput): Promise<GateResult> {
  const result = await decideRequest(deps, input)
  deps.decided?.(result.type, result.type === 'deny' ? result.key : 'ok')
  return result
}

async function decideRequest(deps: GateDeps, input: GateInput): Promise<GateResult> {
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
  if (!path.ok) return deny(400, 'authz.invalid_path') // preAuth refused it already; narrows the type
  if (pre.type === 'pass') return { type: 'pass', path: path.path }

  let auth
  try {
    auth = await authenticate(deps.auth, input)
  } catch (err) {
    // Whatever went wrong, the request is denied (fail closed). A store or database that is down answers 503 with
    // its key; anything else is a defect: logged, and 500.
    const known = toAppError(err)
    if (known) return deny(known.status, known.keys[0]!)
    deps.logger.error({ err: (err as Error)?.message }, 'authentication failed unexpectedly')
    return deny(500, 'server.internal_error')
  }
  const user = auth.type === 'user' ? auth.user : null
  // HEAD is a read: the caller's GET rules also cover it.
  const permission = user ? checkPermissionOf(table.permissions!, user.role, input.method, path.path, path.segments) : null
  const post = postAuth(auth.type === 'user' ? { type: 'user', state: auth.user.state, role: auth.user.role } : auth, permission)
  if (post.audited && user) recordAudit(deps, input, path.segments, user.id, post.type === 'allow' ? 'succeed' : 'denied', post.type === 'allow' ? post.auditTopic : null)
  if (post.type === 'deny') return auth.type === 'failed' && auth.clearCookie ? { ...post, clearCookie: true } : post
  if (auth.type !== 'user') return deny(401, 'authz.invalid_session') // postAuth denied every failure; narrows the type
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
    userAgent: (input.header('user-agent') ?? '').slice(0, 255),
    topic: auditTopic(segments, topic),
    action: auditAction(input.method),
    result,
    data: JSON.stringify(params),
    createdAt: new Date(deps.now()),
  })
}
