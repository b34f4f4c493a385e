/**
 * The authorization decision, as pure functions: facts in, allow/deny and Barong's error key out.
 * The pipeline gathers the facts (I/O) between the two stages; `decide` composes them for table tests.
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

/**
 * Path, restrictions (whitelist stops the check), block, then pass rules: steps 1–3 of
 * docs/barong-behaviour-notes.md#s1-2.
 */
export function preAuth(f: PreAuthFacts): PreAuth {
  if (!f.path.ok) return deny(400, 'authz.invalid_path')
  if (!f.rulesLoaded) return deny(503, 'server.rules_unavailable')
  if (f.restriction && f.restriction.category !== 'whitelist') return deny(f.restriction.status, `authz.restrict.${f.restriction.category}`)
  if (f.pathRule === 'block') return deny(401, 'authz.permission_denied')
  if (f.pathRule === 'pass') return { type: 'pass' }
  return { type: 'authenticate' }
}

/** Who the caller turned out to be, or why not (authentication failures carry their own key). */
export type AuthFact =
  | { type: 'failed'; status: number; key: string }
  | { type: 'user'; state: string; role: string }

export type PostAuth = Deny | { type: 'allow'; audit: boolean; auditTopic: string | null }

/**
 * User state, then permission rules (docs/barong-behaviour-notes.md#s1-3, #s1-4). A denial by permissions is audited
 * by the caller.
 */
export function postAuth(auth: AuthFact, permission: PermissionDecision | null): PostAuth {
  if (auth.type === 'failed') return deny(auth.status, auth.key)
  if (auth.state !== 'active' && auth.state !== 'pending') return deny(401, 'authz.user_not_active')
  if (!permission || !permission.allowed) return deny(401, 'authz.invalid_permission')
  return { type: 'allow', audit: permission.audit, auditTopic: permission.auditTopic }
}

export type Decision = Deny | { type: 'pass' } | { type: 'allow'; audit: boolean; auditTopic: string | null }

export function decide(f: PreAuthFacts & { auth: AuthFact; permission: PermissionDecision | null }): Decision {
  const pre = preAuth(f)
  if (pre.type !== 'authenticate') return pre
  return postAuth(f.auth, f.permission)
}

/** nginx `auth_request` understands only 2xx/401/403: every other denial becomes 403 (the body keeps the key). */
export function statusFor(status: number, mode: 'barong' | 'nginx'): number {
  if (mode === 'nginx' && status !== 401 && status !== 403) return 403
  return status
}
