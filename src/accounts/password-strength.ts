/**
 * Password policy (docs/barong-behaviour-notes.md#s9-1): Barong's regexp check, then the
 * `strong_password` gem 0.0.9 entropy (`StrongPassword::StrengthChecker#calculate_entropy` with `EntropyCalculator`
 * (NIST bits, repeats weakened), `NistBonusBits`, `QwertyAdjuster`, `DictionaryAdjuster` and `PasswordVariants`).
 *
 * Ruby semantics reproduced here:
 * - strings are handled as Unicode code points (Ruby `String#chars`, `#reverse`, `#length`, `[0...n]`)
 * - `downcase` is Ruby's full Unicode mapping, applied code point by code point (no final-sigma context)
 * - `[[:upper:]]`, `[[:lower:]]`, `[[:digit:]]` are Onigmo's Unicode classes (Uppercase, Lowercase, Nd)
 *   `\s` and `/[^a-zA-Z0-9 ]/` are ASCII as in Ruby
 * - `String#tr` with the gem's maps (single characters, no ranges) is a per-code-point substitution
 * - `Regexp.union(...)` + `sub`/`gsub` is leftmost matching where, at one position, the alternative that
 *   comes first in the union wins. It is implemented with a hash/trie scan (linear in the input) rather
 *   than a 10,000-branch JS regexp.
 *
 * Input is capped exactly as the gem does (`PASSWORD_LIMIT = 1_000` code points) before any work, so a
 * 100 KB input costs one bounded scan.
 */
import {
  BOTTOM_ROW_REGEXP,
  KEYBOARDMAP_DOWNLEFT,
  KEYBOARDMAP_DOWNRIGHT,
  LEET_SPEAK,
  LEET_SPEAK_ALT,
  LEET_SPEAK_REGEXP,
  QWERTY_STRINGS,
} from './password-keyboard.ts'
import { COMMON_PASSWORDS } from './password-words.ts'

export interface PasswordPolicy {
  regexp: RegExp
  minEntropy: number
  useDictionary: boolean
}

/**
 * Which dictionary word wins when several start at the same (leftmost) position.
 * - `'list'` (default): the first word in the gem's source list — this is what reproduces Barong's published
 *   entropy values (docs/barong-behaviour-notes.md#s9-1; e.g. `Password1123` = 7.5: `password` is removed, not
 *   `password1`).
 * - `'longest-first'`: the longest word, as the gem's source literally does (`COMMON_PASSWORDS` is
 *   `%w(...).sort_by(&:length).reverse`); gives `Password1123` = 6. Kept for comparison with a live Barong.
 */
export type DictionaryOrder = 'list' | 'longest-first'

export interface EntropyOptions {
  useDictionary: boolean
  minEntropy: number
  dictionaryOrder?: DictionaryOrder
}

/** Barong's default `BARONG_PASSWORD_REGEXP` (Ruby source, compiled with `Regexp.new`). */
export const DEFAULT_PASSWORD_REGEXP =
  '^(?=.*[[:lower:]])(?=.*[[:upper:]])(?=.*[[:digit:]])(?=.*[[:graph:]]).{8,80}$'

/** StrengthChecker::PASSWORD_LIMIT */
const PASSWORD_LIMIT = 1_000
/** Longest password (code points) that checkPassword hands to a regexp at all. */
const CHECK_LENGTH_CAP = 128
/** DictionaryAdjuster min_word_length (Barong does not change it). */
const MIN_WORD_LENGTH = 4

// ---------------------------------------------------------------------------------------------------------
// Ruby string helpers (code points)
// ---------------------------------------------------------------------------------------------------------

/** `str[0...limit]` by code points, without walking past `limit`. */
function takeCodePoints(str: string, limit: number): string {
  if (str.length <= limit) return str // UTF-16 length >= code point count
  let count = 0
  let i = 0
  while (i < str.length && count < limit) {
    const c = str.charCodeAt(i)
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < str.length && isLowSurrogate(str.charCodeAt(i + 1)) ? 2 : 1
    count++
  }
  return str.slice(0, i)
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff
}

/** Number of code points, counting no further than `cap + 1`. */
function codePointLengthCapped(str: string, cap: number): number {
  let count = 0
  let i = 0
  while (i < str.length) {
    const c = str.charCodeAt(i)
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < str.length && isLowSurrogate(str.charCodeAt(i + 1)) ? 2 : 1
    if (++count > cap) return count
  }
  return count
}

const downcaseCache = new Map<string, string>()

/** Ruby `String#downcase` (full Unicode case mapping, per character, no context rules). */
export function rubyDowncase(str: string): string {
  let out = ''
  for (const ch of str) {
    const code = ch.codePointAt(0)!
    if (code < 0x80) {
      out += code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 32) : ch
      continue
    }
    let lower = downcaseCache.get(ch)
    if (lower === undefined) {
      lower = ch.toLowerCase()
      if (downcaseCache.size < 4096) downcaseCache.set(ch, lower)
    }
    out += lower
  }
  return out
}

/** Ruby `String#reverse` (by character). */
function rubyReverse(str: string): string {
  return Array.from(str).reverse().join('')
}

/** Ruby `String#tr(keys.join, values.join)` for single-character maps. */
function makeTr(pairs: readonly (readonly [string, string])[]): (str: string) => string {
  const map = new Map<string, string>()
  for (const [from, to] of pairs) if (!map.has(from)) map.set(from, to)
  return (str: string) => {
    let out = ''
    for (const ch of str) out += map.get(ch) ?? ch
    return out
  }
}

// ---------------------------------------------------------------------------------------------------------
// EntropyCalculator + NistBonusBits
// ---------------------------------------------------------------------------------------------------------

const UPPER = /\p{Uppercase}/u // Onigmo [[:upper:]]
const LOWER = /\p{Lowercase}/u // Onigmo [[:lower:]]
const DIGIT = /\p{Nd}/u // Onigmo [[:digit:]]
const OTHER = /[^a-zA-Z0-9 ]/u
const RUBY_WS_RUN = /[ \t\n\v\f\r]+/ // Ruby /\s+/

/** NistBonusBits.calculate_bonus_bits_for */
function bonusBits(password: string): number {
  const upper = UPPER.test(password)
  const lower = LOWER.test(password)
  const numeric = DIGIT.test(password)
  const other = OTHER.test(password)
  const space = password.includes(' ')

  let bonus: number
  if (upper && lower && other && numeric) bonus = 6
  else if (upper && lower && other && !numeric) bonus = 5
  else if (numeric && other && !upper && !lower) bonus = -2
  else if (numeric && !other && !upper && !lower) bonus = -6
  else bonus = 0

  if (!space) {
    bonus -= 2
  } else if (rubySplitWhitespace(password).length > 3) {
    bonus += 1
  }
  return bonus
}

/** Ruby `str.split(/\s+/)`: leading empty field kept, trailing empty fields dropped. */
function rubySplitWhitespace(str: string): string[] {
  const parts = str.split(RUBY_WS_RUN)
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
  return parts
}

/** EntropyCalculator.calculate(password) — `bits_with_repeats_weakened` + bonus bits. */
function nistEntropy(password: string): number {
  const multiplier = new Map<number, number>()
  let bits = 0
  let index = 0
  for (const ch of password) {
    const code = ch.codePointAt(0)!
    const base = multiplier.get(code) ?? 1
    multiplier.set(code, base * 0.75)
    if (index > 19) bits += base
    else if (index > 7) bits += base * 1.5
    else if (index > 0) bits += base * 2
    else bits += 4
    index++
  }
  return bits + bonusBits(password)
}

// ---------------------------------------------------------------------------------------------------------
// QwertyAdjuster (0.0.9: one Regexp.union of every 6..3-character run, gsub'd with '*')
// ---------------------------------------------------------------------------------------------------------

interface QwertyMatcher {
  /** alternative -> its position in the gem's Regexp.union */
  order: Map<string, number>
  lengths: number[]
}

const qwertyMatcher: QwertyMatcher = (() => {
  const order = new Map<string, number>()
  let n = 0
  for (const row of QWERTY_STRINGS) {
    for (let z = 6; z >= 3; z--) {
      for (let x = 0; x <= row.length - z; x++) {
        // qwerty_string[x, z].sub('-', '\\-') -> the alternative keeps a literal backslash before the
        // first '-', and Regexp.union escapes it, so such runs only match text that has "\-" in it.
        const alt = row.slice(x, x + z).replace('-', '\\-')
        if (!order.has(alt)) order.set(alt, n)
        n++
      }
    }
  }
  const lengths = [...new Set([...order.keys()].map((k) => k.length))].sort((a, b) => a - b)
  return { order, lengths }
})()

/** QwertyAdjuster#mask_qwerty_strings: password.gsub(all_qwerty_strings, '*') */
function maskQwertyStrings(password: string): string {
  const { order, lengths } = qwertyMatcher
  let out = ''
  let i = 0
  while (i < password.length) {
    let best = -1
    let bestLength = 0
    for (const len of lengths) {
      if (i + len > password.length) break
      const idx = order.get(password.slice(i, i + len))
      if (idx !== undefined && (best === -1 || idx < best)) {
        best = idx
        bestLength = len
      }
    }
    if (best === -1) {
      out += password[i]
      i += 1 // alternatives are ASCII: stepping by UTF-16 unit never splits a match
    } else {
      out += '*'
      i += bestLength
    }
  }
  return out
}

/** QwertyAdjuster#adjusted_entropy with entropy_threshhold = min_entropy (early bail-outs included). */
function qwertyAdjustedEntropy(basePassword: string, threshold: number): number {
  const revPassword = rubyReverse(basePassword)
  let lowest = Math.min(nistEntropy(basePassword), nistEntropy(revPassword))
  if (lowest < threshold) return lowest

  const qPassword = maskQwertyStrings(basePassword)
  if (qPassword !== basePassword) lowest = Math.min(lowest, nistEntropy(qPassword))
  if (lowest < threshold) return lowest

  const qRevPassword = maskQwertyStrings(revPassword)
  if (qRevPassword !== revPassword) lowest = Math.min(lowest, nistEntropy(qRevPassword))
  return lowest
}

// ---------------------------------------------------------------------------------------------------------
// PasswordVariants
// ---------------------------------------------------------------------------------------------------------

const trDownRight = makeTr(KEYBOARDMAP_DOWNRIGHT)
const trDownLeft = makeTr(KEYBOARDMAP_DOWNLEFT)
const trLeet = makeTr(LEET_SPEAK)
const trLeetAlt = makeTr(LEET_SPEAK_ALT)

/** PasswordVariants.all_variants (uniq'd; order does not matter to the minimum taken over them). */
function allVariants(password: string): string[] {
  const lower = rubyDowncase(password)
  const variants = new Set<string>([lower])
  if (!BOTTOM_ROW_REGEXP.test(lower)) {
    for (const tr of [trDownRight, trDownLeft]) {
      const v = tr(lower)
      variants.add(v)
      variants.add(rubyReverse(v))
    }
  }
  if (LEET_SPEAK_REGEXP.test(lower)) {
    for (const tr of [trLeet, trLeetAlt]) {
      const v = tr(lower)
      variants.add(v)
      variants.add(rubyReverse(v))
    }
  }
  return [...variants]
}

// ---------------------------------------------------------------------------------------------------------
// DictionaryAdjuster: variant.sub(Regexp.union(words), '*') — only the first (leftmost) match is replaced
// ---------------------------------------------------------------------------------------------------------

interface TrieNode {
  next: Map<number, TrieNode>
  /** index of the word ending here in the gem's source list, -1 if none */
  word: number
}

const dictionaryTrie: TrieNode = (() => {
  const root: TrieNode = { next: new Map(), word: -1 }
  COMMON_PASSWORDS.forEach((word, index) => {
    if (word.length < MIN_WORD_LENGTH) return // .reject { |i| i.length < min_word_length }
    let node = root
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i)
      let child = node.next.get(c)
      if (!child) {
        child = { next: new Map(), word: -1 }
        node.next.set(c, child)
      }
      node = child
    }
    if (node.word === -1) node.word = index
  })
  return root
})()

/** variant.sub(dictionary_words, '*') */
function maskFirstDictionaryWord(variant: string, order: DictionaryOrder): string {
  for (let start = 0; start < variant.length; start++) {
    let node: TrieNode | undefined = dictionaryTrie
    let bestIndex = -1
    let bestLength = 0
    for (let i = start; i < variant.length; i++) {
      node = node.next.get(variant.charCodeAt(i))
      if (!node) break
      if (node.word !== -1) {
        const length = i - start + 1
        if (order === 'longest-first' ? length > bestLength : bestIndex === -1 || node.word < bestIndex) {
          bestIndex = node.word
          bestLength = length
        }
      }
    }
    if (bestIndex !== -1) return variant.slice(0, start) + '*' + variant.slice(start + bestLength)
  }
  return variant
}

/** DictionaryAdjuster#adjusted_entropy */
function dictionaryAdjustedEntropy(password: string, order: DictionaryOrder): number {
  const basePassword = rubyDowncase(password)
  let lowest = nistEntropy(basePassword)
  for (const variant of allVariants(basePassword)) {
    lowest = Math.min(lowest, nistEntropy(maskFirstDictionaryWord(variant, order)))
  }
  return lowest
}

// ---------------------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------------------

/**
 * StrengthChecker.new(min_entropy:, use_dictionary:).calculate_entropy(password) — the number Barong's
 * `/password/validate` returns. Only the first 1,000 code points are looked at (gem's PASSWORD_LIMIT).
 */
export function passwordEntropy(password: string, opts: EntropyOptions): number {
  const basePassword = takeCodePoints(password, PASSWORD_LIMIT)
  const order = opts.dictionaryOrder ?? 'list'
  let entropy = Math.min(
    nistEntropy(basePassword),
    nistEntropy(rubyDowncase(basePassword)),
    qwertyAdjustedEntropy(basePassword, opts.minEntropy),
  )
  if (opts.useDictionary) entropy = Math.min(entropy, dictionaryAdjustedEntropy(basePassword, order))
  return entropy
}

/** Barong's check order: regexp first ('password.requirements'), then entropy ('password.weak'); null when accepted. */
export function checkPassword(
  password: string,
  policy: PasswordPolicy,
): 'password.requirements' | 'password.weak' | null {
  if (typeof password !== 'string') return 'password.requirements'
  if (codePointLengthCapped(password, CHECK_LENGTH_CAP) > CHECK_LENGTH_CAP) return 'password.requirements'
  policy.regexp.lastIndex = 0 // a /g or /y regexp would otherwise be stateful
  if (!policy.regexp.test(password)) return 'password.requirements'
  const entropy = passwordEntropy(password, { useDictionary: policy.useDictionary, minEntropy: policy.minEntropy })
  return entropy < policy.minEntropy ? 'password.weak' : null
}

// ---------------------------------------------------------------------------------------------------------
// Ruby (Onigmo) regexp source -> JS RegExp ('u')
// ---------------------------------------------------------------------------------------------------------

const GRAPH = '[^\\p{White_Space}\\p{Cc}\\p{Cn}\\p{Cs}]'

/**
 * POSIX bracket classes as Onigmo defines them for Unicode strings (checked code point by code point
 * against Ruby 3.1): `frag` can go inside a JS character class, `expr` must stand alone.
 */
const POSIX_CLASSES: Record<string, { frag?: string; negFrag?: string; expr?: string; negExpr?: string }> = {
  upper: { frag: '\\p{Uppercase}', negFrag: '\\P{Uppercase}' },
  lower: { frag: '\\p{Lowercase}', negFrag: '\\P{Lowercase}' },
  digit: { frag: '\\p{Nd}', negFrag: '\\P{Nd}' },
  alpha: { frag: '\\p{Alphabetic}', negFrag: '\\P{Alphabetic}' },
  alnum: { frag: '\\p{Alphabetic}\\p{Nd}', negExpr: '[^\\p{Alphabetic}\\p{Nd}]' },
  space: { frag: '\\p{White_Space}', negFrag: '\\P{White_Space}' },
  blank: { frag: '\\p{Zs}\\t', negExpr: '[^\\p{Zs}\\t]' },
  cntrl: { frag: '\\p{Cc}', negFrag: '\\P{Cc}' },
  xdigit: { frag: '0-9A-Fa-f', negExpr: '[^0-9A-Fa-f]' },
  word: { frag: '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}', negExpr: '[^\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}]' },
  punct: { frag: '\\p{P}$+<=>\\^`|~', negExpr: '[^\\p{P}$+<=>\\^`|~]' },
  ascii: { frag: '\\u0000-\\u007F', negExpr: '[^\\u0000-\\u007F]' },
  graph: { expr: GRAPH, negExpr: '[\\p{White_Space}\\p{Cc}\\p{Cn}\\p{Cs}]' },
  print: { expr: `(?:${GRAPH}|\\p{Zs})`, negExpr: '(?!\\p{Zs})[\\p{White_Space}\\p{Cc}\\p{Cn}\\p{Cs}]' },
}

const JS_SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/'.split(''))
const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\\n',
  t: '\\t',
  r: '\\r',
  f: '\\f',
  v: '\\v',
  e: '\\u001B',
  a: '\\u0007',
  '0': '\\u0000',
}
/** Ruby's \d \w \s \h are ASCII-only. */
const ASCII_CLASS_FRAGS: Record<string, string> = {
  d: '0-9',
  w: 'A-Za-z0-9_',
  s: ' \\t\\n\\v\\f\\r',
  h: '0-9A-Fa-f',
}

class UnsupportedRegexp extends Error {}

function literal(ch: string, inClass: boolean): string {
  if (JS_SYNTAX_CHARS.has(ch) || (inClass && ch === '-')) return `\\${ch}`
  return ch
}

/**
 * Reads an escape starting at src[i] === '\\'. `frag` can be used inside a JS class (and, unless `isSet`,
 * also on its own); `expr` only on its own. `end` is the index after the escape.
 */
function readEscape(
  src: string,
  i: number,
  inClass: boolean,
): { frag?: string; expr?: string; isSet?: boolean; end: number } {
  const next = src[i + 1]
  if (next === undefined) throw new UnsupportedRegexp('trailing backslash')
  const lowerKey = next.toLowerCase()
  if (lowerKey in ASCII_CLASS_FRAGS && (next === lowerKey || next === next.toUpperCase())) {
    const frag = ASCII_CLASS_FRAGS[lowerKey]!
    if (next === lowerKey) return { frag, isSet: true, end: i + 2 }
    return { expr: `[^${frag}]`, end: i + 2 }
  }
  if (next in SIMPLE_ESCAPES) {
    if (next === '0' && /[0-7]/.test(src[i + 2] ?? '')) throw new UnsupportedRegexp('octal escape')
    return { frag: SIMPLE_ESCAPES[next]!, end: i + 2 }
  }
  if (next === 'x') {
    const m = /^[0-9A-Fa-f]{1,2}/.exec(src.slice(i + 2))
    if (!m) throw new UnsupportedRegexp('bad \\x escape')
    return { frag: `\\u{${m[0]}}`, end: i + 2 + m[0].length }
  }
  if (next === 'u') {
    const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(src.slice(i + 2))
    if (braced) return { frag: `\\u{${braced[1]}}`, end: i + 2 + braced[0].length }
    const m = /^[0-9A-Fa-f]{4}/.exec(src.slice(i + 2))
    if (!m) throw new UnsupportedRegexp('bad \\u escape')
    return { frag: `\\u{${m[0]}}`, end: i + 6 }
  }
  if (next === 'p' || next === 'P') {
    const m = /^\{(\^?)([A-Za-z0-9_ =-]+)\}/.exec(src.slice(i + 2))
    if (!m) throw new UnsupportedRegexp('bad property escape')
    const negated = (next === 'P') !== (m[1] === '^')
    return { frag: `\\${negated ? 'P' : 'p'}{${m[2]!.replace(/ /g, '_')}}`, end: i + 2 + m[0].length }
  }
  if (!inClass) {
    if (next === 'A') return { expr: '^', end: i + 2 }
    if (next === 'z') return { expr: '$', end: i + 2 }
    if (next === 'Z') return { expr: '(?=\\n?$)', end: i + 2 }
    if (next === 'b' || next === 'B') return { expr: `\\${next}`, end: i + 2 }
    if (/[1-9]/.test(next)) {
      const m = /^[1-9][0-9]*/.exec(src.slice(i + 1))!
      return { expr: `\\${m[0]}`, end: i + 1 + m[0].length }
    }
    if (next === 'k') {
      const m = /^k<([A-Za-z_][A-Za-z0-9_]*)>/.exec(src.slice(i + 1))
      if (!m) throw new UnsupportedRegexp('bad \\k escape')
      return { expr: `\\k<${m[1]}>`, end: i + 1 + m[0].length }
    }
  }
  if (/[A-Za-z0-9]/.test(next)) throw new UnsupportedRegexp(`unsupported escape \\${next}`)
  const cp = src.codePointAt(i + 1)!
  const ch = String.fromCodePoint(cp)
  return { frag: literal(ch, inClass), end: i + 1 + ch.length }
}

/** Translates a Ruby bracket expression starting at src[i] === '['. */
function readBracket(src: string, start: number): { expr: string; end: number } {
  let i = start + 1
  let negated = false
  if (src[i] === '^') {
    negated = true
    i++
  }
  const frags: string[] = []
  const exprs: string[] = []
  let first = true
  for (;;) {
    if (i >= src.length) throw new UnsupportedRegexp('unterminated character class')
    const ch = src[i]!
    if (ch === ']' && !first) {
      i++
      break
    }
    first = false
    if (ch === '[') {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i))
      if (!posix) throw new UnsupportedRegexp('nested character classes are not supported')
      const cls = POSIX_CLASSES[posix[2]!]
      if (!cls) throw new UnsupportedRegexp(`unknown POSIX class [:${posix[2]}:]`)
      if (posix[1] === '^') {
        if (cls.negFrag) frags.push(cls.negFrag)
        else exprs.push(cls.negExpr!)
      } else if (cls.frag) frags.push(cls.frag)
      else exprs.push(cls.expr!)
      i += posix[0].length
      continue
    }
    if (ch === '&' && src[i + 1] === '&') throw new UnsupportedRegexp('class intersection is not supported')
    let atom: string
    if (ch === '\\') {
      const esc = readEscape(src, i, true)
      i = esc.end
      if (esc.expr !== undefined) {
        exprs.push(esc.expr)
        continue
      }
      atom = esc.frag!
    } else {
      const cp = src.codePointAt(i)!
      const c = String.fromCodePoint(cp)
      i += c.length
      atom = literal(c, true)
    }
    // range "a-b" (a '-' right before ']' is a literal)
    if (src[i] === '-' && src[i + 1] !== undefined && src[i + 1] !== ']') {
      i++
      let end: string
      if (src[i] === '\\') {
        const esc = readEscape(src, i, true)
        if (esc.frag === undefined) throw new UnsupportedRegexp('bad range end')
        end = esc.frag
        i = esc.end
      } else if (src[i] === '[') {
        throw new UnsupportedRegexp('bad range end')
      } else {
        const cp = src.codePointAt(i)!
        const c = String.fromCodePoint(cp)
        i += c.length
        end = literal(c, true)
      }
      frags.push(`${atom}-${end}`)
    } else {
      frags.push(atom)
    }
  }
  const classText = frags.join('')
  if (exprs.length === 0) return { expr: `[${negated ? '^' : ''}${classText}]`, end: i }
  const alternatives = [...(classText ? [`[${classText}]`] : []), ...exprs].join('|')
  if (!negated) return { expr: `(?:${alternatives})`, end: i }
  return { expr: `(?:(?!${alternatives})[^])`, end: i }
}

/**
 * Translate Barong's Ruby default/configured regexp (POSIX classes like [[:lower:]], [[:upper:]], [[:digit:]],
 * [[:graph:]], \A, \z) into a JS RegExp with the 'u' flag, keeping Ruby's meaning: `^`/`$` are line anchors
 * (only "\n" ends a line), `.` is anything but "\n", `\d \w \s \h` are ASCII, `\A \z \Z` anchor the string.
 * Throws on constructs that have no faithful JS form (inline flags, atomic groups, possessive quantifiers,
 * nested classes / `&&`, `\G`, `\K`, ...).
 */
export function rubyRegexpToJs(source: string): RegExp {
  let out = ''
  let i = 0
  let lastWasQuantifiable = false
  while (i < source.length) {
    const ch = source[i]!
    if (ch === '\\') {
      const esc = readEscape(source, i, false)
      i = esc.end
      if (esc.expr !== undefined) {
        out += esc.expr
        lastWasQuantifiable = !['^', '$', '(?=\\n?$)', '\\b', '\\B'].includes(esc.expr)
      } else {
        out += esc.isSet ? `[${esc.frag}]` : esc.frag
        lastWasQuantifiable = true
      }
      continue
    }
    if (ch === '[') {
      const br = readBracket(source, i)
      out += br.expr
      i = br.end
      lastWasQuantifiable = true
      continue
    }
    if (ch === '(') {
      if (source[i + 1] === '?') {
        const rest = source.slice(i + 2)
        if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!')) {
          out += `(?${rest[0]}`
          i += 3
        } else if (rest.startsWith('<=') || rest.startsWith('<!')) {
          out += `(?${rest.slice(0, 2)}`
          i += 4
        } else if (/^<[A-Za-z_][A-Za-z0-9_]*>/.test(rest) || /^'[A-Za-z_][A-Za-z0-9_]*'/.test(rest)) {
          const m = /^[<']([A-Za-z_][A-Za-z0-9_]*)[>']/.exec(rest)!
          out += `(?<${m[1]}>`
          i += 2 + m[0].length
        } else if (rest.startsWith('#')) {
          const close = source.indexOf(')', i)
          if (close === -1) throw new UnsupportedRegexp('unterminated comment')
          i = close + 1
          continue
        } else {
          throw new UnsupportedRegexp(`unsupported group (?${rest[0] ?? ''}`)
        }
      } else {
        out += '('
        i++
      }
      lastWasQuantifiable = false
      continue
    }
    if (ch === ')') {
      out += ')'
      i++
      lastWasQuantifiable = true
      continue
    }
    if (ch === '.') {
      out += '[^\\n]'
      i++
      lastWasQuantifiable = true
      continue
    }
    if (ch === '^') {
      out += '(?<![^\\n])'
      i++
      lastWasQuantifiable = false
      continue
    }
    if (ch === '$') {
      out += '(?![^\\n])'
      i++
      lastWasQuantifiable = false
      continue
    }
    if (ch === '*' || ch === '+' || ch === '?') {
      if (source[i + 1] === '+') throw new UnsupportedRegexp('possessive quantifiers are not supported')
      out += ch
      i++
      if (source[i] === '?' && ch !== '?') {
        out += '?'
        i++
      }
      lastWasQuantifiable = false
      continue
    }
    if (ch === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(source.slice(i))
      if (m && lastWasQuantifiable && (m[1] !== '' || m[3] !== '')) {
        const min = m[1] === '' ? '0' : m[1]
        out += `{${min}${m[2]}${m[3]}}`
        i += m[0].length
        if (source[i] === '+') throw new UnsupportedRegexp('possessive quantifiers are not supported')
        if (source[i] === '?') {
          out += '?'
          i++
        }
        lastWasQuantifiable = false
        continue
      }
      out += '\\{'
      i++
      lastWasQuantifiable = true
      continue
    }
    if (ch === '}' || ch === ']') {
      out += `\\${ch}`
      i++
      lastWasQuantifiable = true
      continue
    }
    if (ch === '|') {
      out += '|'
      i++
      lastWasQuantifiable = false
      continue
    }
    const cp = source.codePointAt(i)!
    const c = String.fromCodePoint(cp)
    out += c === '/' ? '\\/' : c
    i += c.length
    lastWasQuantifiable = true
  }
  try {
    return new RegExp(out, 'u')
  } catch (err) {
    throw new UnsupportedRegexp(`cannot translate Ruby regexp ${JSON.stringify(source)}: ${(err as Error).message}`)
  }
}
