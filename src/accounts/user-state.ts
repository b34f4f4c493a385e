/**
 * How labels drive a user's state and level (docs/barong-behaviour-notes.md#s5-4): pure functions, no I/O.
 */
export interface LabelFact {
  key: string
  value: string
  scope: string
}

export interface StateRules {
  activation_requirements: Record<string, string>
  state_triggers: Record<string, string[]>
}

/**
 * pending, or active when every activation requirement is met by a private label; then each state
 * trigger, in file order, whose key matches a label key exactly (Barong 2.6: 2.5.21's prefix match
 * let `banana` trigger `ban`). Only private labels count: a user cannot lock themselves with a
 * public label.
 */
export function computeState(labels: readonly LabelFact[], rules: StateRules): string {
  const priv = labels.filter((l) => l.scope === 'private')
  const pairs = new Map(priv.map((l) => [l.key, l.value]))
  const reqs = Object.entries(rules.activation_requirements)
  let state = reqs.every(([k, v]) => pairs.get(k) === v) ? 'active' : 'pending'
  const keys = new Set(priv.map((l) => l.key))
  for (const [name, triggers] of Object.entries(rules.state_triggers)) {
    if (triggers.some((t) => keys.has(t))) state = name
  }
  return state
}

export interface LevelFact {
  id: number
  key: string
  value: string
}

/** The highest level n such that levels 1..n (in id order) are all met by private labels. */
export function computeLevel(labels: readonly LabelFact[], levels: readonly LevelFact[]): number {
  const pairs = new Set(labels.filter((l) => l.scope === 'private').map((l) => `${l.key}:${l.value}`))
  let level = 0
  for (const l of [...levels].sort((a, b) => a.id - b.id)) {
    if (!pairs.has(`${l.key}:${l.value}`)) break
    level = l.id
  }
  return level
}

export interface Standing {
  state: string
  level: number
}

export interface StandingChange extends Standing {
  /** The previous values of what changed, for `model.user.updated`. */
  changes: Partial<Standing>
  /** Barong deactivates every API key of a user who stops being active. */
  deactivateApiKeys: boolean
}

/** What a user's state and level become after a private-label change; null when nothing changes. */
export function nextStanding(current: Standing, labels: readonly LabelFact[], levels: readonly LevelFact[], rules: StateRules): StandingChange | null {
  const state = computeState(labels, rules)
  const level = computeLevel(labels, levels)
  if (state === current.state && level === current.level) return null
  const changes: Partial<Standing> = {}
  if (state !== current.state) changes.state = current.state
  if (level !== current.level) changes.level = current.level
  return { state, level, changes, deactivateApiKeys: state !== current.state && state !== 'active' }
}
