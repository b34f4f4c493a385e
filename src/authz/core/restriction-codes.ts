/**
 * Barong's restriction categories, scopes and states (docs/barong-behaviour-notes.md#s4-4-8, #s1-2; blocklogin from
 * 2.6).
 */
export const CATEGORIES = ['whitelist', 'maintenance', 'blacklist', 'blocklogin'] as const
export const SCOPES = ['continent', 'country', 'ip', 'ip_subnet', 'all'] as const
export const RESTRICTION_STATES = ['enabled', 'disabled'] as const

export type Category = (typeof CATEGORIES)[number]
export type Scope = (typeof SCOPES)[number]

const SCOPE_DEFAULTS: Record<Scope, number> = { all: 401, ip: 401, ip_subnet: 403, country: 423, continent: 423 }

/** The status a restriction answers with: maintenance 471; whitelist always the scope default; else custom or scope default. */
export function restrictionCode(category: string, scope: string, code: number | null | undefined): number {
  const scopeDefault = SCOPE_DEFAULTS[scope as Scope] ?? 401
  if (category === 'whitelist') return scopeDefault
  if (code !== null && code !== undefined) return code
  return category === 'maintenance' ? 471 : scopeDefault
}
