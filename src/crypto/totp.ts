/**
 * TOTP compatible with Barong's Vault TOTP engine (docs/barong-behaviour-notes.md#s4-3-7, #s9-3): SHA1, 6 digits,
 * 30 s period, 20-byte secret. As Vault (skew 1), the previous, current and next step are accepted; unlike Vault, a
 * step is usable once (docs/security-model.md#totp): callers persist the returned `step` as the user's
 * last accepted step with a compare-and-set and pass it back as `lastStep`, and a code for a step at
 * or before it is refused.
 */
import { timingSafeEqual } from 'node:crypto'
import { HOTP, Secret } from 'otpauth'
import QRCode from 'qrcode'

const PERIOD_S = 30
const DIGITS = 6
const SECRET_BYTES = 20
/** Accepted step offsets, newest first so a (vanishingly rare) double match picks the later step. */
const ACCEPTED_DELTAS = [1, 0, -1] as const

export type TotpVerdict = { ok: true; step: number } | { ok: false }

/** A fresh 160-bit secret from the platform CSPRNG, base32 without padding (as Vault emits it). */
export function generateTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32
}

/**
 * The provisioning URL exactly as Vault builds it (pquerna/otp `Generate` → Go `url.URL.String()`):
 * path `/<issuer>:<account>` escaped as a Go URL path (`@`, `:`, `+` stay literal, space → %20),
 * query from Go `url.Values.Encode()` — keys sorted, values query-escaped (space → `+`).
 * otpauth's own `TOTP#toString()` orders `issuer, secret, algorithm, digits, period` and
 * percent-encodes the label, so it is not used here.
 */
export function totpUrl(issuer: string, email: string, secretBase32: string): string {
  const query = [
    ['algorithm', 'SHA1'],
    ['digits', String(DIGITS)],
    ['issuer', issuer],
    ['period', String(PERIOD_S)],
    ['secret', secretBase32],
  ]
    .map(([k, v]) => `${k}=${goQueryEscape(v ?? '')}`)
    .join('&')
  return `otpauth://totp/${goPathEscape(`${issuer}:${email}`)}?${query}`
}

/** Time step (RFC 6238 T) for a Unix time in milliseconds. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / PERIOD_S)
}

/** The code for the step containing `nowMs` (tests, CLI). */
export function totpCodeAt(secretBase32: string, nowMs: number): string {
  return codeForStep(parseSecret(secretBase32), totpStep(nowMs))
}

/**
 * Checks `code` for the previous, current or next step. Returns the matched step on success; the caller
 * must then store it (compare-and-set) so the same code cannot be used again. A replayed code gives
 * the same `{ ok: false }` as a wrong one so the response does not reveal it was otherwise valid.
 * Throws only when the stored secret itself is not valid base32 (a server-side fault).
 */
export function verifyTotp(secretBase32: string, code: string, nowMs: number, lastStep: number | null): TotpVerdict {
  const secret = parseSecret(secretBase32)
  if (typeof code !== 'string' || !/^[0-9]{6}$/.test(code) || !Number.isFinite(nowMs)) return { ok: false }
  const current = totpStep(nowMs)
  const given = Buffer.from(code)
  let matched: number | null = null
  // Every candidate is computed and compared, so timing does not reveal which step matched.
  for (const delta of ACCEPTED_DELTAS) {
    const step = current + delta
    if (timingSafeEqual(given, Buffer.from(codeForStep(secret, step))) && matched === null) matched = step
  }
  if (matched === null) return { ok: false }
  if (lastStep !== null && matched <= lastStep) return { ok: false }
  return { ok: true, step: matched }
}

/** QR code of `url` as a bare base64 PNG, 300 px wide — Vault's `qr_size=300` barcode. */
export async function qrBarcode(url: string): Promise<string> {
  // Error-correction level M as Vault's barcode library uses; the 4-module quiet zone is kept (Vault
  // draws none) because scanners need it and front ends just display the image.
  const png = await QRCode.toBuffer(url, { type: 'png', width: 300, errorCorrectionLevel: 'M' })
  return png.toString('base64')
}

function parseSecret(secretBase32: string): Secret {
  let secret: Secret
  try {
    secret = Secret.fromBase32(secretBase32)
  } catch (err) {
    throw new Error('TOTP secret is not valid base32', { cause: err })
  }
  // An empty key would still yield codes (HMAC accepts it); refuse rather than verify against it.
  if (secret.bytes.length === 0) throw new Error('TOTP secret is empty')
  return secret
}

function codeForStep(secret: Secret, step: number): string {
  return HOTP.generate({ secret, algorithm: 'SHA1', digits: DIGITS, counter: step })
}

/** Go `url.QueryEscape`: only A–Z a–z 0–9 `-_.~` stay literal, space becomes `+`. */
function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
}

/** Go path escaping (`encodePath`): unreserved plus `$&+,/:;=@` stay literal, everything else %XX. */
function goPathEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%(24|26|2B|2C|2F|3A|3B|3D|40)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}
