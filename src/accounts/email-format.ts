/**
 * E-mail format check (docs/barong-behaviour-notes.md#s9-2): the `email_validator` gem's strict mode as Barong runs it
 * (`validates :email, email: { strict_mode: true }` → `EmailValidator#validate_each`), in the RFC 5321
 * flavour the spec describes (karlwilbur's 1.6.x line of `lib/email_validator.rb`):
 *
 * ```ruby
 * alnum         = "[[:alnum:]]"
 * alnumhy       = "(?:#{alnum}|-)"
 * label_pattern = "#{alnum}(?:#{alnumhy}{,62}#{alnum}+)?"
 * tld_pattern   = '[[:alpha:]]{1,63}'
 * domain        = "(?:#{label_pattern}\\.?)*#{tld_pattern}"
 * atom_char     = '[-\p{Cased_Letter}\p{Nd}+_!"\'#$%^&*{}/=?`\|~]'
 * local_part    = "(?:#{atom_char}\\.?){,63}#{atom_char}"
 * regexp        = /\A(?>#{local_part})@#{domain}\z/i          # matched against value.strip
 * # validate_each also rejects a local part longer than 64 characters and any '.'-separated piece of the
 * # domain that is 64 characters or longer.
 * ```
 *
 * The domain pattern nests quantifiers (`(label\.?)*` with `alnum+` inside), which backtracks
 * exponentially in a regexp engine; here the same language is decided with a small quadratic dynamic
 * program over at most 254 code points, and the local part (an atomic group) with a linear scan.
 */

/** `\p{Cased_Letter}`, `\p{Nd}` and the RFC 5322 atext specials, matched case-insensitively as Ruby's /i does. */
const ATOM_CHAR = /^[-\p{LC}\p{Nd}+_!"'#$%^&*{}/=?`|~]$/iu
/** Onigmo `[[:alnum:]]` for Unicode strings. */
const ALNUM = /^[\p{Alphabetic}\p{Nd}]$/u
/** Onigmo `[[:alpha:]]` for Unicode strings. */
const ALPHA = /^\p{Alphabetic}$/u

/** RFC 5321 path limit; nothing longer is looked at. */
const MAX_LENGTH = 254
const MAX_LOCAL_ATOMS = 64 // (atom\.?){,63} atom
const MAX_LOCAL_LENGTH = 64 // validate_each: local_part.length > 64 is invalid
const MAX_LABEL_LENGTH = 63 // validate_each: every domain piece must be shorter than 64
const MAX_TLD_LENGTH = 63
const MAX_LABEL_HYPHEN_INDEX = 62 // alnum (?: alnumhy{,62} alnum+ )?

/** Ruby `String#strip`: whitespace is "\0", "\t", "\n", "\v", "\f", "\r" and " ". */
function isRubyStripChar(code: number): boolean {
  return code === 0x20 || code === 0 || (code >= 0x09 && code <= 0x0d)
}

function rubyStrip(value: string): string {
  let start = 0
  let end = value.length
  while (start < end && isRubyStripChar(value.charCodeAt(start))) start++
  while (end > start && isRubyStripChar(value.charCodeAt(end - 1))) end--
  return value.slice(start, end)
}

/** Code points of `str`, or null when there are more than `max`. */
function codePointsUpTo(str: string, max: number): string[] | null {
  if (str.length > max * 2) return null // each code point is at most two UTF-16 units
  const chars = Array.from(str)
  return chars.length > max ? null : chars
}

/**
 * `(?>(?:atom\.?){,63}atom)` followed by '@': the atomic group commits to its greedy match, which ends after
 * the 64th atom or after the last atom of the dotted run — so the local part must be atoms separated by
 * single dots, with no leading/trailing dot and at most 64 atoms.
 */
function isValidLocalPart(chars: string[]): boolean {
  if (chars.length === 0 || chars.length > MAX_LOCAL_LENGTH) return false
  let atoms = 0
  let previousWasDot = true // a leading dot is invalid
  for (const ch of chars) {
    if (ch === '.') {
      if (previousWasDot) return false
      previousWasDot = true
      continue
    }
    if (!ATOM_CHAR.test(ch)) return false
    atoms++
    previousWasDot = false
  }
  return !previousWasDot && atoms <= MAX_LOCAL_ATOMS
}

/** `\A(?:label\.?)*tld\z` decided by reachability over positions (no backtracking). */
function isValidDomain(chars: string[]): boolean {
  const n = chars.length
  if (n === 0) return false

  // validate_each: domain.split('.') pieces must be shorter than 64 characters
  let piece = 0
  for (const ch of chars) {
    if (ch === '.') piece = 0
    else if (++piece > MAX_LABEL_LENGTH) return false
  }

  const alnum = chars.map((ch) => ALNUM.test(ch))
  // reach[i]: chars[0, i) is a sequence of (label '.'?)
  const reach = new Array<boolean>(n + 1).fill(false)
  reach[0] = true
  for (let i = 0; i < n; i++) {
    if (!reach[i] || !alnum[i]) continue
    for (let j = i + 1; j <= n; j++) {
      const last = j - 1
      if (chars[last] === '-') {
        if (last - i > MAX_LABEL_HYPHEN_INDEX) break
        continue
      }
      if (!alnum[last]) break
      // chars[i, j) is a label: starts and ends with alnum, hyphens only within the first 63 characters
      reach[j] = true
      if (j < n && chars[j] === '.') reach[j + 1] = true
    }
  }

  // tld: 1..63 letters at the very end, starting at a reachable position
  for (let k = 1; k <= Math.min(MAX_TLD_LENGTH, n); k++) {
    const start = n - k
    if (!ALPHA.test(chars[start]!)) break
    if (reach[start]) return true
  }
  return false
}

/**
 * True when `value` (leading/trailing whitespace stripped as Ruby's `strip` does) is a valid address in
 * the gem's strict mode. Values longer than 254 characters after stripping are rejected without further
 * work.
 */
export function isValidEmail(value: string): boolean {
  if (typeof value !== 'string') return false
  const stripped = rubyStrip(value)
  const chars = codePointsUpTo(stripped, MAX_LENGTH)
  if (chars === null || chars.length === 0) return false

  const at = chars.indexOf('@')
  if (at <= 0) return false
  return isValidLocalPart(chars.slice(0, at)) && isValidDomain(chars.slice(at + 1))
}
