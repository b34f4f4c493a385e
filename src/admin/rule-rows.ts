import { CATEGORIES, RESTRICTION_STATES, SCOPES } from '../authz/core/restriction-codes.ts'
import { parseCidr, parseIp } from '../authz/core/ip.ts'
import type { Permission, Restriction } from '../storage/schema/index.ts'

/**
 * Validation and presentation of the rule rows staff edit (docs/barong-behaviour-notes.md#s4-4-7, #s4-4-8): pure.
 * Verbs and actions are compared case-insensitively and stored upper-case, as the authorizer reads them.
 */
export const VERBS = ['get', 'post', 'delete', 'put', 'head', 'patch', 'all'] as const
export const ACTIONS = ['accept', 'drop', 'audit'] as const

/** Barong's checks of a permission's verb and action, first failure only (its `validate_params!`). */
export function permissionError(p: { verb?: string | undefined; action?: string | undefined }): string | null {
  if (p.verb !== undefined && !(VERBS as readonly string[]).includes(p.verb.toLowerCase())) return 'admin.permissions.invalid_verb'
  if (p.action !== undefined && !(ACTIONS as readonly string[]).includes(p.action.toLowerCase())) return 'admin.permissions.invalid_action'
  return null
}

/** A path as the permission rows store it: no leading slash (the gate matches `api/v2/…`). */
export const rulePath = (path: string) => path.replace(/^\/+/, '')

/** Barong's Restriction model errors, in its validators' order; addresses may be IPv4 or IPv6 (Barong: IPv4 only). */
export function restrictionErrors(r: { scope: string; category: string; state: string; value: string }, taken: boolean): string[] {
  const errs: string[] = []
  if (!(SCOPES as readonly string[]).includes(r.scope)) errs.push('scope.inclusion')
  if (!(RESTRICTION_STATES as readonly string[]).includes(r.state)) errs.push('state.inclusion')
  if (!(CATEGORIES as readonly string[]).includes(r.category)) errs.push('category.inclusion')
  if (taken) errs.push('value.taken')
  if (r.value.length > 64) errs.push('value.too_long')
  else if (r.scope === 'ip' && !parseIp(r.value)) errs.push('value.invalid')
  else if (r.scope === 'ip_subnet' && (!r.value.includes('/') || !parseCidr(r.value))) errs.push('value.invalid')
  return errs
}

// Barong 2.5.21 answered the rows themselves (Rails' JSON: times with milliseconds).
export const presentPermission = (p: Permission) => ({
  id: p.id,
  action: p.action,
  role: p.role,
  verb: p.verb,
  path: p.path,
  topic: p.topic,
  created_at: p.createdAt.toISOString(),
  updated_at: p.updatedAt.toISOString(),
})

export const presentRestriction = (r: Restriction) => ({
  id: r.id,
  category: r.category,
  scope: r.scope,
  value: r.value,
  code: r.code,
  state: r.state,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
})
