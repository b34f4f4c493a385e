/**
 * Whole-segment prefix matching (docs/differences-from-barong.md#d2). Barong uses `path.start_with?(rule)`, so
 * `api/v2/barong/admin` also covered `api/v2/barong/administrator`; here a rule covers whole segments only.
 *
 * Allow rules (pass, ACCEPT, AUDIT) compare exactly: they should grant as little as possible.
 * Deny rules (block, DROP) compare case-insensitively: an upstream that routes case-insensitively must not
 * reach `API/V2/BARONG/MANAGEMENT` just because the rule was written in lower case (docs/differences-from-barong.md#d3).
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

/** True when `segments` begins with every element of `prefix` (an empty prefix matches everything). */
export function startsWithSegments(segments: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > segments.length) return false
  for (let i = 0; i < prefix.length; i++) {
    if (segments[i] !== prefix[i]) return false
  }
  return true
}
