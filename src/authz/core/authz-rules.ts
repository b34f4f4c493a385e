/**
 * Pass/block path rules (`BARONG_AUTHZ_RULES`, Barong's `config/authz_rules.yml`, docs/barong-behaviour-notes.md#s1-2
 * steps 2–3).
 *
 * Differences from Barong, on purpose (docs/differences-from-barong.md#d2, #d3): prefixes match whole segments (block
 * in every spelling an upstream may route alike — case, NFKC, trailing dots, `.format` — pass exactly), and the
 * file is parsed once and validated strictly — a typo such as `blocks:` would otherwise leave the management API
 * open without a word.
 */
import { parse } from 'yaml'
import { canonicalizePath } from './canonical-path.ts'
import { denyForm, splitPrefix, startsWithDenyPrefix, startsWithSegments } from './path-match.ts'
import { isPlainObject } from '../../util/values.ts'

export interface AuthzRules {
  readonly pass: readonly string[]
  readonly block: readonly string[]
}

export const DEFAULT_AUTHZ_RULES: AuthzRules = Object.freeze({
  pass: Object.freeze(['api/v2/barong/identity', 'api/v2/barong/public', 'api/v2/peatio/public']),
  block: Object.freeze(['api/v2/barong/management', 'api/v2/peatio/management']),
})

/** Parses a YAML or JSON rules file: `{ rules: { pass, block } }` or top-level `{ pass, block }`. */
export function parseAuthzRules(text: string, source: string): AuthzRules {
  const fail = (why: string): never => {
    throw new Error(`${source}: invalid authz rules: ${why}`)
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (err) {
    // yaml's messages span several lines (they quote the source); keep the first one.
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''
    fail(first.replace(/:$/, '') || 'unparseable')
  }
  if (!isPlainObject(doc)) return fail('expected a mapping with `rules:` or `pass:`/`block:`')
  let body: Record<string, unknown> = doc
  if (Object.hasOwn(doc, 'rules')) {
    if (Object.keys(doc).length !== 1) fail('unexpected keys next to `rules`')
    if (!isPlainObject(doc.rules)) fail('`rules` must be a mapping with `pass` and/or `block`')
    body = doc.rules as Record<string, unknown>
  }
  for (const key of Object.keys(body)) {
    if (key !== 'pass' && key !== 'block') fail(`unknown key \`${key}\` (expected \`pass\` and \`block\`)`)
  }
  if (!Object.hasOwn(body, 'pass') && !Object.hasOwn(body, 'block')) fail('neither `pass` nor `block` is given')
  return Object.freeze({ pass: prefixList(body.pass, 'pass', fail), block: prefixList(body.block, 'block', fail) })
}

function prefixList(value: unknown, key: string, fail: (why: string) => never): readonly string[] {
  if (value === undefined || value === null) return Object.freeze([]) // `pass:` with nothing under it
  if (!Array.isArray(value)) return fail(`\`${key}\` must be a list of path prefixes`)
  const out: string[] = []
  for (const item of value) {
    if (typeof item !== 'string') return fail(`\`${key}\` entries must be strings`)
    const canonical = canonicalizePath(item)
    if (!canonical.ok) return fail(`\`${key}\` entry ${JSON.stringify(item)} is not a plain path prefix`)
    // An empty prefix would pass or block every path: certainly a mistake in a file.
    if (canonical.path === '') return fail(`\`${key}\` entry ${JSON.stringify(item)} is empty`)
    out.push(canonical.path)
  }
  return Object.freeze(out)
}

interface CompiledRules {
  pass: string[][]
  block: string[][] // already in denyForm
}

// Compiled once per rules object so a request only scans arrays. Only frozen objects (ours) are cached:
// a caller's mutable object is compiled per call, so a later mutation can never leave a stale rule set.
const compiledCache = new WeakMap<AuthzRules, CompiledRules>()

function compile(rules: AuthzRules): CompiledRules {
  const cached = compiledCache.get(rules)
  if (cached) return cached
  const c: CompiledRules = {
    pass: rules.pass.map(splitPrefix),
    block: rules.block.map((p) => splitPrefix(p).map(denyForm)),
  }
  if (Object.isFrozen(rules) && Object.isFrozen(rules.pass) && Object.isFrozen(rules.block)) compiledCache.set(rules, c)
  return c
}

type PathRuleAnswer = 'block' | 'pass' | null

// A path seen before comes back as the same frozen segments (canonicalPathOf is memoized): its answer under a frozen
// rule set is kept with it, and the deny forms are not computed again for every request.
const answers = new WeakMap<readonly string[], { rules: AuthzRules; answer: PathRuleAnswer }>()

/** Block is checked first (every spelling, path-match.ts), then pass (exact); null means "authenticate". */
export function matchPathRule(rules: AuthzRules, segments: readonly string[]): PathRuleAnswer {
  const known = answers.get(segments)
  if (known && known.rules === rules) return known.answer
  const answer = matchCompiled(compile(rules), segments)
  if (Object.isFrozen(segments) && compiledCache.get(rules)) answers.set(segments, { rules, answer })
  return answer
}

function matchCompiled(c: CompiledRules, segments: readonly string[]): PathRuleAnswer {
  if (c.block.length > 0) {
    const folded = segments.map(denyForm)
    if (c.block.some((prefix) => startsWithDenyPrefix(folded, prefix))) return 'block'
  }
  if (c.pass.some((prefix) => startsWithSegments(segments, prefix))) return 'pass'
  return null
}
