/**
 * Whole-segment prefix matching (docs/differences-from-barong.md#d2). Barong uses `path.start_with?(rule)`, so
 * `api/v2/barong/admin` also covered `api/v2/barong/administrator`; here a rule covers whole segments only.
 *
 * Allow rules (pass, ACCEPT, AUDIT) compare exactly: they should grant as little as possible.
 * Deny rules (block, DROP) match every spelling an upstream may route to the same handler (README "Security
 * model"): case-insensitively (an upstream that routes case-insensitively must not reach
 * `API/V2/BARONG/MANAGEMENT` because the rule was written in lower case, docs/differences-from-barong.md#d3), after
 * NFKC (fullwidth and compatibility forms), without trailing dots or spaces in a segment, and with a `.format`
 * suffix on the last segment (Rails and Grape route `role.json` to `role`, docs/barong-behaviour-notes.md#s1-1).
 */

/** Splits a rule prefix written in Barong's form; leading, trailing and doubled slashes carry no meaning. */
export function splitPrefix(prefix: string): string[] {
  return prefix.split('/').filter((s) => s !== '')
}

/**
 * Case folding for deny rules. Upper-then-lower folds more than `toLowerCase` alone (`ſ`→`s`, Kelvin `K`→`k`),
 * which is the safe direction for a deny rule. Plain ASCII, the usual case, takes the cheap path.
 */
export function foldCase(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : s.toUpperCase().toLowerCase()
}

/**
 * A segment as deny rules compare it: NFKC, trailing dots and white space removed, case folded.
 * Plain ASCII, the usual case, skips the Unicode work.
 */
export function denyForm(segment: string): string {
  const s = /^[\x00-\x7f]*$/.test(segment) ? segment.toLowerCase() : foldCase(segment.normalize('NFKC'))
  return s.replace(/[\s.]+$/u, '')
}

/**
 * Deny-rule prefix test on segments already in `denyForm`: whole segments, except that the path's last
 * segment also matches when the rule segment is followed by a `.format` (or a space: `role .json`).
 */
export function startsWithDenyPrefix(segments: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > segments.length) return false
  const last = segments.length - 1
  for (let i = 0; i < prefix.length; i++) {
    const seg = segments[i]!
    const want = prefix[i]!
    if (seg === want) continue
    if (i !== last || !seg.startsWith(want) || !/[\s.]/u.test(seg.charAt(want.length))) return false
  }
  return true
}

/** True when `segments` begins with every element of `prefix` (an empty prefix matches everything). */
export function startsWithSegments(segments: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > segments.length) return false
  for (let i = 0; i < prefix.length; i++) {
    if (segments[i] !== prefix[i]) return false
  }
  return true
}
