/**
 * Barong's permission table (docs/barong-behaviour-notes.md#s1-4): DROP wins, at least one ACCEPT is needed, AUDIT
 * only records. Specificity does not matter. Paths match whole segments (docs/differences-from-barong.md#d2); DROP
 * rows are deny rules and match every spelling an upstream may route alike (docs/differences-from-barong.md#d3;
 * path-match.ts: case, NFKC, trailing dots, `.format`).
 *
 * The table is compiled once per cache load; a check is a scan of the role's rows and allocates only the
 * deny-form copy of the path when the role has DROP rows.
 */
import { denyForm, splitPrefix, startsWithDenyPrefix, startsWithSegments } from './path-match.ts'

export interface PermissionRow {
  role: string
  verb: string
  path: string
  action: string
  topic: string | null
}

type Action = 'ACCEPT' | 'DROP' | 'AUDIT'

interface CompiledRow {
  verb: string // upper-case method or ALL
  action: Action
  prefix: string[] // DROP rows: already in denyForm
  topic: string | null
}

interface RoleRules {
  rows: CompiledRow[]
  hasDrop: boolean
}

/** Role → its rows, in the input order (the FIRST matching AUDIT row gives the topic). */
export type PermissionTable = ReadonlyMap<string, RoleRules>

export interface PermissionDecision {
  allowed: boolean
  /** Allowed and an AUDIT row matched: record a `succeed` activity. Always false on a denial, which the
   *  caller audits unconditionally (docs/barong-behaviour-notes.md#s7-2, whose topic does not come from a row). */
  audit: boolean
  /** Topic of the FIRST matching AUDIT row (null if that row has none, or when `audit` is false). */
  auditTopic: string | null
}

const ACTIONS: ReadonlySet<string> = new Set<Action>(['ACCEPT', 'DROP', 'AUDIT'])

export function compilePermissions(rows: readonly PermissionRow[]): PermissionTable {
  // A Map, not an object: a role named `__proto__` or `constructor` must not reach Object.prototype.
  const table = new Map<string, RoleRules>()
  for (const row of rows) {
    const action = row.action.trim().toUpperCase()
    if (!ACTIONS.has(action)) continue // unknown action: Barong looks only for ACCEPT/DROP/AUDIT
    const prefix = splitPrefix(row.path)
    let rules = table.get(row.role)
    if (!rules) table.set(row.role, (rules = { rows: [], hasDrop: false }))
    rules.rows.push({
      verb: row.verb.trim().toUpperCase(),
      action: action as Action,
      prefix: action === 'DROP' ? prefix.map(denyForm) : prefix,
      topic: row.topic,
    })
    if (action === 'DROP') rules.hasDrop = true
  }
  return table
}

const DENIED: PermissionDecision = Object.freeze({ allowed: false, audit: false, auditTopic: null })

export function checkPermission(
  table: PermissionTable,
  role: string,
  method: string,
  segments: readonly string[],
): PermissionDecision {
  const rules = table.get(role)
  if (!rules) return DENIED // unknown role: no row can match
  const verb = method.toUpperCase()
  // HEAD is a GET without a body (docs/differences-from-barong.md#d4): a GET row covers it, and a GET DROP denies it.
  const alsoGet = verb === 'HEAD'
  const folded = rules.hasDrop ? segments.map(denyForm) : segments
  let accept = false
  let audit = false
  let auditTopic: string | null = null
  for (const row of rules.rows) {
    if (row.verb !== verb && row.verb !== 'ALL' && !(alsoGet && row.verb === 'GET')) continue
    if (row.action === 'DROP') {
      if (startsWithDenyPrefix(folded, row.prefix)) return DENIED // DROP always wins
    } else if (startsWithSegments(segments, row.prefix)) {
      if (row.action === 'ACCEPT') accept = true
      else if (!audit) {
        audit = true
        auditTopic = row.topic
      }
    }
  }
  return accept ? { allowed: true, audit, auditTopic } : DENIED
}

// Decisions per table, remembered by (role, verb, canonical path): a steady client repeats them. A table is
// replaced, never changed, when rules reload, so a reload starts with no remembered decision.
const remembered = new WeakMap<PermissionTable, Map<string, PermissionDecision>>()
const REMEMBERED_MAX = 4096

/** `checkPermission` for a canonical path (`segments.join('/')` = `path`), remembered per table. */
export function checkPermissionOf(table: PermissionTable, role: string, method: string, path: string, segments: readonly string[]): PermissionDecision {
  let decisions = remembered.get(table)
  if (!decisions) remembered.set(table, (decisions = new Map()))
  const key = `${role}\n${method}\n${path}`
  const hit = decisions.get(key)
  if (hit) return hit
  const decision = Object.freeze(checkPermission(table, role, method, segments))
  if (key.length <= 512) {
    if (decisions.size >= REMEMBERED_MAX) decisions.clear()
    decisions.set(key, decision)
  }
  return decision
}
