import { createHash, randomBytes } from 'node:crypto'
import { and, eq, gt, isNull } from 'drizzle-orm'
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose'
import type { SigningKeys } from '../crypto/keys.ts'
import { oneTimeTokens } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'

export type TokenKind = 'confirmation' | 'reset'

export interface TokenClaims {
  sub: TokenKind
  email: string
  uid: string
  jti: string
  reset_token?: string
}

const hashJti = (jti: string) => createHash('sha256').update(jti).digest('hex')

/**
 * Email confirmation and password reset tokens: Barong's RS256 JWTs (sub, email, uid, iss, aud, jti),
 * plus a `typ` per kind so one kind never verifies as another. Only the jti's hash is stored.
 */
export async function issueToken(
  db: Executor,
  keys: SigningKeys,
  input: { kind: TokenKind; userId: number; email: string; uid: string; ttlSec: number },
  nowMs: number,
): Promise<string> {
  const jti = randomBytes(10).toString('hex')
  const iat = Math.floor(nowMs / 1000)
  const claims: Record<string, unknown> = { email: input.email, uid: input.uid }
  if (input.kind === 'reset') {
    claims.reset_token = randomBytes(10).toString('hex')
    // Only the latest reset link works: earlier ones are spent.
    await db
      .update(oneTimeTokens)
      .set({ usedAt: new Date(nowMs) })
      .where(and(eq(oneTimeTokens.userId, input.userId), eq(oneTimeTokens.kind, 'reset'), isNull(oneTimeTokens.usedAt)))
  }
  await db.insert(oneTimeTokens).values({
    userId: input.userId,
    kind: input.kind,
    jtiHash: hashJti(jti),
    createdAt: new Date(nowMs),
    expiresAt: new Date(nowMs + input.ttlSec * 1000),
  })
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: `${input.kind}+jwt`, kid: keys.kid })
    .setSubject(input.kind)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + input.ttlSec)
    .setJti(jti)
    .sign(keys.privateKey)
}

const ISSUER = 'barong'
const AUDIENCE = ['peatio', 'barong']
const CLOCK_TOLERANCE_SEC = 5

/** Ruby's `to_s` of a claim inside ruby-jwt's messages (`#{value || '<none>'}`). */
function rubyToS(value: unknown): string {
  if (value === undefined || value === null || value === false) return value === false ? 'false' : '<none>'
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'string' ? JSON.stringify(v) : rubyToS(v))).join(', ')}]`
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/** Barong's key for a ruby-jwt error: `jwt.decode_and_verify.` + the last word of its message. */
const keyOf = (message: string) => `jwt.decode_and_verify.${message.trim().split(/\s+/).pop() ?? ''}`

/**
 * The claim checks of ruby-jwt as Barong runs them, in its order (after signature and expiry):
 * iss, iat, jti, aud, sub. A mismatch names the received value, as ruby-jwt's message does.
 */
function claimError(payload: Record<string, unknown>, kind: TokenKind, nowSec: number): string | null {
  const { iss, iat, jti, aud, sub } = payload
  if (String(iss ?? '') !== ISSUER) return keyOf(`Invalid issuer. Expected ${ISSUER}, received ${rubyToS(iss)}`)
  if (typeof iat !== 'number' || iat > nowSec + CLOCK_TOLERANCE_SEC) return keyOf('Invalid iat')
  if (typeof jti !== 'string' || !jti) return keyOf('Missing jti')
  const received = Array.isArray(aud) ? aud : [aud]
  if (!received.some((a) => typeof a === 'string' && AUDIENCE.includes(a))) {
    return keyOf(`Invalid audience. Expected ${rubyToS(AUDIENCE)}, received ${rubyToS(aud)}`)
  }
  if (String(sub ?? '') !== kind) return keyOf(`Invalid subject. Expected ${kind}, received ${rubyToS(sub)}`)
  return null
}

/** Barong's `jwt.decode_and_verify.<last word of the ruby-jwt message>` keys (docs/barong-behaviour-notes.md#s4-0). */
export async function verifyToken(
  keys: SigningKeys,
  token: string,
  kind: TokenKind,
  nowMs: number,
): Promise<{ ok: true; claims: TokenClaims } | { ok: false; key: string }> {
  if (token.length > 8192 || token.split('.').length !== 3) return { ok: false, key: 'jwt.decode_and_verify.segments' }
  try {
    const { payload, protectedHeader } = await jwtVerify(token, (header) => {
      const key = header.kid ? keys.verifiers.get(header.kid) : keys.publicKey
      if (!key) throw new joseErrors.JWSSignatureVerificationFailed()
      return key
    }, {
      algorithms: ['RS256'],
      currentDate: new Date(nowMs),
      clockTolerance: CLOCK_TOLERANCE_SEC,
    })
    const claimKey = claimError(payload, kind, nowMs / 1000)
    if (claimKey) return { ok: false, key: claimKey }
    if (protectedHeader.typ !== undefined && protectedHeader.typ !== `${kind}+jwt`) return { ok: false, key: 'jwt.decode_and_verify.typ' }
    if (typeof payload.email !== 'string' || typeof payload.uid !== 'string') return { ok: false, key: 'jwt.decode_and_verify.failed' }
    return { ok: true, claims: payload as unknown as TokenClaims }
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) return { ok: false, key: 'jwt.decode_and_verify.expired' }
    // ruby-jwt: "Signature nbf has not been reached".
    if (err instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, key: err.claim === 'nbf' ? keyOf('not been reached') : `jwt.decode_and_verify.${err.claim}` }
    if (err instanceof joseErrors.JOSEAlgNotAllowed) return { ok: false, key: 'jwt.decode_and_verify.algorithm' }
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, key: 'jwt.decode_and_verify.failed' }
    return { ok: false, key: 'jwt.decode_and_verify.segments' }
  }
}

/** Atomically spends a token: true once, false if used, superseded, expired or unknown. */
export async function spendToken(db: Executor, kind: TokenKind, jti: string, nowMs: number): Promise<{ userId: number } | null> {
  const now = new Date(nowMs)
  const rows = await db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(and(eq(oneTimeTokens.jtiHash, hashJti(jti)), eq(oneTimeTokens.kind, kind), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, now)))
    .returning({ userId: oneTimeTokens.userId })
  return rows[0] ?? null
}
