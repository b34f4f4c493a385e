/**
 * Barong's API-key v1 scheme, pure parts (docs/barong-behaviour-notes.md#s3-2, docs/security-model.md#api-keys):
 * `X-Auth-Signature = hex(HMAC-SHA256(secret, nonce + kid))`, nonce = milliseconds, ±lifetime around now.
 *
 * Kept bit-compatible for existing trading bots; the differences are the constant-time compare here and the
 * single-use nonce, which needs the store and lives with the caller (docs/differences-from-barong.md#d21).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface ApiKeyHeaders {
  apikey?: string | undefined
  nonce?: string | undefined
  signature?: string | undefined
}

/**
 * 'none' → no API-key header at all: take the cookie path. 'incomplete' → 422 authz.invalid_api_key_headers.
 * A header sent empty counts as present (it still selects the API-key path), as in Barong.
 */
export function checkApiKeyHeaders(h: ApiKeyHeaders): 'none' | 'incomplete' | 'ok' {
  const values = [h.apikey, h.nonce, h.signature]
  if (values.every((v) => v === undefined)) return 'none'
  return values.every((v) => v !== undefined && v.trim() !== '') ? 'ok' : 'incomplete'
}

export type NonceError = 'authz.nonce_not_valid_timestamp' | 'authz.nonce_expired'

export function checkNonce(nonce: string, nowMs: number, lifetimeMs: number): NonceError | null {
  const n = rubyToI(nonce)
  if (!(n > 0)) return 'authz.nonce_not_valid_timestamp'
  // Both directions: a nonce from the future is as stale as one from the past.
  if (Math.abs(nowMs - n) >= lifetimeMs) return 'authz.nonce_expired'
  return null
}

/**
 * Ruby's `String#to_i`, which Barong applies to the nonce: leading whitespace, an optional sign, then digits
 * (single `_` allowed between digits); anything else ends the number, nothing at all gives 0.
 * "abc" → 0, "12ab" → 12, " 1_000" → 1000. The signature still covers the header string as sent.
 */
function rubyToI(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+(?:_[0-9]+)*)/.exec(s)
  if (!m) return 0
  const n = Number((m[2] ?? '').replaceAll('_', ''))
  return m[1] === '-' ? -n : n
}

const HMAC_DIGESTS: Readonly<Record<string, string>> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }

/**
 * Constant-time check of a v1 signature: the exact lower-case hex text, as Barong's `==` on strings (docs/barong-behaviour-notes.md#s3-2);
 * upper-case hex, another length or anything else is simply invalid, never an exception.
 */
export function signatureValid(secret: string, nonce: string, kid: string, signature: string, algorithm = 'HS256'): boolean {
  // Barong's digest is "SHA" + the algorithm's digits (HS384 → SHA384); a key of any other algorithm never verifies.
  const digest = HMAC_DIGESTS[algorithm]
  if (!digest) return false
  const expected = Buffer.from(createHmac(digest, secret).update(nonce + kid).digest('hex'))
  const given = Buffer.from(signature)
  // The length is no secret (fixed per algorithm); only equal lengths reach the constant-time compare.
  return given.length === expected.length && timingSafeEqual(expected, given)
}
