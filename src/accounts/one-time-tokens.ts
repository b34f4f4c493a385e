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
    .setIssuer('barong')
    .setAudience(['peatio', 'barong'])
    .setIssuedAt(iat)
    .setExpirationTime(iat + input.ttlSec)
    .setJti(jti)
    .sign(keys.privateKey)
}

/** Barong's `jwt.decode_and_verify.<last word of the ruby-jwt message>` keys. */
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
      issuer: 'barong',
      audience: ['peatio', 'barong'],
      currentDate: new Date(nowMs),
      clockTolerance: 5,
    })
    if (payload.sub !== kind) return { ok: false, key: `jwt.decode_and_verify.${String(payload.sub ?? 'subject')}` }
    if (protectedHeader.typ !== undefined && protectedHeader.typ !== `${kind}+jwt`) return { ok: false, key: 'jwt.decode_and_verify.typ' }
    if (typeof payload.jti !== 'string' || !payload.jti) return { ok: false, key: 'jwt.decode_and_verify.jti' }
    if (typeof payload.iat !== 'number') return { ok: false, key: 'jwt.decode_and_verify.iat' }
    if (typeof payload.email !== 'string' || typeof payload.uid !== 'string') return { ok: false, key: 'jwt.decode_and_verify.failed' }
    return { ok: true, claims: payload as unknown as TokenClaims }
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) return { ok: false, key: 'jwt.decode_and_verify.expired' }
    if (err instanceof joseErrors.JWTClaimValidationFailed) return { ok: false, key: `jwt.decode_and_verify.${err.claim}` }
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
