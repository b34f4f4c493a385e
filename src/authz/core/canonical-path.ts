/**
 * One canonical form of a request path, decided once, before any rule (docs/differences-from-barong.md#d1,
 * docs/security-model.md#paths).
 *
 * Barong matches rules with `path.start_with?(rule)` on the raw path, so `%2e%2e`, `//`, `;x` and friends can
 * slip past a block rule while the upstream routes them somewhere else. We do not try to guess how the upstream
 * would resolve an ambiguous path: anything ambiguous is refused, and the caller answers 400.
 *
 * The path keeps a trailing `.json`/`.format` (docs/barong-behaviour-notes.md#s1-1) and is forwarded as sent; deny
 * rules match it anyway (path-match.ts `denyForm`). A segment whose NFKC form is ambiguous (`．．`, fullwidth `／`
 * or `＼`) is refused.
 */

import { memoByString } from '../../util/memo.ts'

export type CanonicalPath = { ok: true; path: string; segments: string[] } | { ok: false }

/** Longer paths are refused rather than scanned: no Barong/Peatio route comes close. */
export const MAX_PATH_LENGTH = 4096

const REFUSED: CanonicalPath = Object.freeze({ ok: false })

// fatal: invalid UTF-8 (including overlongs and surrogates) throws instead of becoming U+FFFD.
// ignoreBOM: a leading U+FEFF must stay in the segment, otherwise `%EF%BB%BFadmin` would silently become `admin`.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function canonicalizePath(raw: string): CanonicalPath {
  if (raw.length > MAX_PATH_LENGTH) return REFUSED
  const segments: string[] = []
  for (const rawSegment of raw.split('/')) {
    if (rawSegment === '') continue // `//` collapsed, leading and trailing slash dropped
    const segment = decodeSegment(rawSegment)
    if (segment === null || !segmentAllowed(segment)) return REFUSED
    segments.push(segment)
  }
  return { ok: true, path: segments.join('/'), segments }
}

/** The same, remembered for paths that repeat (the gateway's hot path); results are frozen, so shared safely. */
export const canonicalPathOf: (raw: string) => CanonicalPath = memoByString((raw) => {
  const c = canonicalizePath(raw)
  if (c.ok) Object.freeze(c.segments)
  return Object.freeze(c)
})

/** Percent-decodes one raw segment exactly once; null on anything that is not plain printable ASCII or a valid escape. */
function decodeSegment(raw: string): string | null {
  let hasEscape = false
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    // A request target is printable ASCII (RFC 9112 §3.2); raw space, controls and non-ASCII mean a parser disagreement.
    if (c <= 0x20 || c >= 0x7f) return null
    if (c === 0x25 /* % */) hasEscape = true
  }
  if (!hasEscape) return raw
  const bytes = new Uint8Array(raw.length)
  let n = 0
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    if (c !== 0x25) {
      bytes[n++] = c
      continue
    }
    const hi = hexValue(raw.charCodeAt(i + 1))
    const lo = hexValue(raw.charCodeAt(i + 2))
    if (hi < 0 || lo < 0) return null // `%zz`, `%4`, `%` at the end
    bytes[n++] = (hi << 4) | lo
    i += 2
  }
  try {
    return utf8.decode(bytes.subarray(0, n))
  } catch {
    return null
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1 // also NaN past the end of the string
}

/** Checks a decoded segment; covers raw and encoded forms alike because it runs after the single decode. */
function segmentAllowed(segment: string): boolean {
  // Dot segments: routers resolve them differently (Node's URL resolves `%2e%2e`, Rails does not).
  if (segment === '.' || segment === '..') return false
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i)
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false // NUL, C0 and C1 controls, DEL
    switch (c) {
      case 0x2f: // `/` from %2F: one segment here, two segments for an upstream that decodes before routing
      case 0x5c: // `\`: a separator on some servers
      case 0x3b: // `;`: path parameters (Tomcat, Spring, Jetty strip them before routing)
      case 0x25: // `%` from %25: a second decode by the upstream would see a different path
      case 0x3f: // `?` and `#` from %3F/%23: a path rebuilt from segments would grow a query or fragment
      case 0x23:
        return false
    }
  }
  // An upstream that applies NFKC would see `／` as `/` and `．．` as `..`: judge that form too (idempotent).
  if (!/^[\x00-\x7f]*$/.test(segment)) {
    const nfkc = segment.normalize('NFKC')
    if (nfkc !== segment) return segmentAllowed(nfkc)
  }
  return true
}
