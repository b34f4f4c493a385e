import { randomBytes } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import { verificationKeyOf, type SigningKeys } from '../crypto/keys.ts'
import type { Principal } from './request.ts'
import type { UserSnapshot } from './authz-cache.ts'

/**
 * Barong's session JWT claims (docs/barong-behaviour-notes.md#s1-5), with a `kid` header
 * (docs/differences-from-barong.md#d22).
 */
export function sessionClaims(user: UserSnapshot) {
  return {
    uid: user.uid,
    email: user.email,
    role: user.role,
    level: user.level,
    state: user.state,
    // Barong's quirk, kept for downstream services: the referrer's numeric id, not its uid.
    referral_id: user.referralId ?? null,
  }
}

/**
 * What a JWT was minted for, carried in it so the built-in API can refuse it once that is gone (README
 * "Security model"): a session by the hash of its id (the id itself never leaves the gateway), an API key by kid.
 */
export type JwtRef = { kind: 'session'; hash: string } | { kind: 'apikey'; kid: string }

/** The reference of an authenticated principal; a Bearer principal is never minted for. */
export function jwtRefOf(principal: Principal): JwtRef {
  if (principal.kind === 'session') return { kind: 'session', hash: principal.ref }
  if (principal.kind === 'apikey') return { kind: 'apikey', kid: principal.ref }
  throw new Error('a JWT is minted only for a session or an API key')
}

const refClaim = (ref: JwtRef) => (ref.kind === 'session' ? { sid: ref.hash } : { api_kid: ref.kid })
const refKey = (ref: JwtRef) => (ref.kind === 'session' ? `s:${ref.hash}` : `k:${ref.kid}`)

export interface JwtMinter {
  mint(user: UserSnapshot, ref: JwtRef): Promise<string>
}

/**
 * RS256 signing costs ~1 ms; a session's (or API key's) token is reused while more than half its life remains
 * and the user's claims are unchanged, so a steady client costs no signing at all. Tokens are per session,
 * never shared between sessions of one user: ending one session must not leave another's token valid.
 */
export function createJwtMinter(keys: SigningKeys, expireSec: number, nowMs: () => number): JwtMinter {
  const cache = new Map<string, { token: string; user: UserSnapshot; fingerprint: string; renewAt: number }>()
  return {
    async mint(user, ref) {
      const now = nowMs()
      const key = refKey(ref)
      const hit = cache.get(key)
      // The user cache hands out the same snapshot object until it reloads the user: nothing to compare.
      if (hit && hit.user === user && now < hit.renewAt) return hit.token
      const claims = sessionClaims(user)
      const fingerprint = `${claims.uid}|${claims.email}|${claims.role}|${claims.level}|${claims.state}|${claims.referral_id}`
      if (hit && hit.fingerprint === fingerprint && now < hit.renewAt) {
        hit.user = user
        return hit.token
      }
      const iat = Math.floor(now / 1000)
      const token = await new SignJWT({ ...claims, ...refClaim(ref) })
        .setProtectedHeader({ alg: 'RS256', kid: keys.kid })
        .setIssuedAt(iat)
        .setExpirationTime(iat + expireSec)
        .setSubject('session')
        .setIssuer('barong')
        .setAudience(['peatio', 'barong'])
        .setJti(randomBytes(10).toString('hex'))
        .sign(keys.privateKey)
      if (cache.size > 100_000) cache.clear()
      cache.set(key, { token, user, fingerprint, renewAt: (iat + expireSec / 2) * 1000 })
      return token
    },
  }
}

export interface VerifiedJwt {
  uid: string
  ref: JwtRef
}

/**
 * A Bearer JWT we minted (for the built-in API behind Envoy/nginx): RS256, our keys, sub=session, with `exp`
 * and the reference of what it was minted for (tokens without one are refused).
 */
export async function verifySessionJwt(keys: SigningKeys, token: string, nowMs: number): Promise<VerifiedJwt | null> {
  try {
    const { payload } = await jwtVerify(
      token,
      verificationKeyOf(keys),
      { algorithms: ['RS256'], issuer: 'barong', audience: 'barong', subject: 'session', requiredClaims: ['exp'], currentDate: new Date(nowMs), clockTolerance: 5 },
    )
    if (typeof payload.uid !== 'string') return null
    if (typeof payload.sid === 'string' && payload.api_kid === undefined) return { uid: payload.uid, ref: { kind: 'session', hash: payload.sid } }
    if (typeof payload.api_kid === 'string' && payload.sid === undefined) return { uid: payload.uid, ref: { kind: 'apikey', kid: payload.api_kid } }
    return null
  } catch {
    return null
  }
}
