/**
 * The authorization decision, as pure functions: facts in, allow/deny, Barong's error key and whether to audit out.
 * `gate()` gathers the facts (I/O) and calls both stages; authentication runs between them, only when `preAuth`
 * asks for it.
 */
import type { CanonicalPath } from './canonical-path.ts'
import type { PermissionDecision } from './permissions.ts'
import type { RestrictionHit } from './restrictions.ts'

/** `clearCookie`: the session was destroyed (a mismatch): the answer clears the cookie (docs/barong-behaviour-notes.md#s2). */
export type Deny = { type: 'deny'; status: number; key: string; clearCookie?: boolean }
export type PreAuth = Deny | { type: 'pass' } | { type: 'authenticate' }

export interface PreAuthFacts {
  path: CanonicalPath
  restriction: RestrictionHit | null
  pathRule: 'block' | 'pass' | null
  /** No rules loaded yet: fail closed. */
  rulesLoaded: boolean
}

export const deny = (status: number, key: string): Deny => ({ type: 'deny', status, key })
const PASS: PreAuth = Object.freeze({ type: 'pass' })
const AUTHENTICATE: PreAuth = Object.freeze({ type: 'authenticate' })

/**
 * Path, restrictions (whitelist stops the check), block, then pass rules: steps 1–3 of
 * docs/barong-behaviour-notes.md#s1-2.
 */
export function preAuth(f: PreAuthFacts): PreAuth {
  if (!f.path.ok) return deny(400, 'authz.invalid_path')
  if (!f.rulesLoaded) return deny(503, 'server.rules_unavailable')
  if (f.restriction && f.restriction.category !== 'whitelist') return deny(f.restriction.status, `authz.restrict.${f.restriction.category}`)
  if (f.pathRule === 'block') return deny(401, 'authz.permission_denied')
  if (f.pathRule === 'pass') return PASS
  return AUTHENTICATE
}

/** Who the caller turned out to be, or why not (authentication failures carry their own key). */
export type AuthFact =
  | { type: 'failed'; status: number; key: string }
  | { type: 'user'; state: string; role: string }

/**
 * `audited`: the decision is written as an admin activity (docs/barong-behaviour-notes.md#s1-4): an allow matched by
 * an AUDIT row (with its topic), or a refusal by the permission rules.
 */
export type PostAuth = (Deny & { audited?: true }) | { type: 'allow'; audited: boolean; auditTopic: string | null }

// The common answers are shared, not built per request.
const ALLOWED: PostAuth = Object.freeze({ type: 'allow', audited: false, auditTopic: null })
const NOT_PERMITTED: PostAuth = Object.freeze({ type: 'deny', status: 401, key: 'authz.invalid_permission', audited: true })
const NOT_ACTIVE: PostAuth = Object.freeze({ type: 'deny', status: 401, key: 'authz.user_not_active' })

/** User state, then permission rules (docs/barong-behaviour-notes.md#s1-3, #s1-4). */
export function postAuth(auth: AuthFact, permission: PermissionDecision | null): PostAuth {
  if (auth.type === 'failed') return deny(auth.status, auth.key)
  if (auth.state !== 'active' && auth.state !== 'pending') return NOT_ACTIVE
  if (!permission || !permission.allowed) return NOT_PERMITTED
  return permission.audit ? { type: 'allow', audited: true, auditTopic: permission.auditTopic } : ALLOWED
}

/** nginx `auth_request` understands only 2xx/401/403: every other denial becomes 403 (the body keeps the key). */
export function statusFor(status: number, mode: 'barong' | 'nginx'): number {
  if (mode === 'nginx' && status !== 401 && status !== 403) return 403
  return status
}
