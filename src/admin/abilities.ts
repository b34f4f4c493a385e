import type { AbilityTable } from '../config/abilities.ts'
import type { Ability } from '../http/route-decl.ts'

/** Decisions on the abilities table (docs/barong-behaviour-notes.md#s6-3); pure. */

/** `manage` implies every action; `read` covers reads only. A role absent from the table holds nothing. */
export function holds(table: AbilityTable, role: string, ability: Ability): boolean {
  if (!table.roles.includes(role)) return false
  const entry = table.admin_permissions[role]
  if (!entry) return false
  if (entry.manage.includes(ability.subject)) return true
  return ability.action === 'read' && entry.read.includes(ability.subject)
}

/** The caller role's entry as GET /admin/abilities answers it (`{}` for a role without one). */
export function abilitiesOf(table: AbilityTable, role: string): Record<string, string[]> {
  const entry = table.roles.includes(role) ? table.admin_permissions[role] : undefined
  if (!entry) return {}
  const out: Record<string, string[]> = {}
  if (entry.read.length) out.read = entry.read
  if (entry.manage.length) out.manage = entry.manage
  return out
}

/**
 * Rank of a role for grants: the table's staff roles in their listed order, superadmin first, then every other
 * role. Nobody grants a role ranked above their own (docs/differences-from-barong.md#d45).
 */
export function roleRank(table: AbilityTable, role: string): number {
  const i = table.roles.indexOf(role)
  return i === -1 ? table.roles.length : i
}

/** Whether `caller` may give a user `role`: not above their own rank (equal ranks may). */
export function mayGrant(table: AbilityTable, caller: string, role: string): boolean {
  return roleRank(table, role) >= roleRank(table, caller)
}
