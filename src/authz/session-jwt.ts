import { randomBytes } from 'node:crypto'
import { SignJWT, jwtVerify } from 'jose'
import type { SigningKeys } from '../crypto/keys.ts'
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

export interface JwtMinter {
  mint(user: UserSnapshot): Promise<string>
}

/**
 * RS256 signing costs ~1 ms; a principal's token is reused while more than half its life remains
 * and the user's claims are unchanged, so a steady client costs no signing at all.
 */
export function createJwtMinter(keys: SigningKeys, expireSec: number, nowMs: () => number): JwtMinter {
  const cache = new Map<string, { token: string; user: UserSnapshot; fingerprint: string; renewAt: number }>()
  return {
    async mint(user) {
      const now = nowMs()
      const hit = cache.get(user.uid)
      // The user cache hands out the same snapshot object until it reloads the user: nothing to compare.
      if (hit && hit.user === user && now < hit.renewAt) return hit.token
      const claims = sessionClaims(user)
      const fingerprint = `${claims.email}|${claims.role}|${claims.level}|${claims.state}|${claims.referral_id}`
      if (hit && hit.fingerprint === fingerprint && now < hit.renewAt) {
        hit.user = user
        return hit.token
      }
      const iat = Math.floor(now / 1000)
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: keys.kid })
        .setIssuedAt(iat)
        .setExpirationTime(iat + expireSec)
        .setSubject('session')
        .setIssuer('barong')
        .setAudience(['peatio', 'barong'])
        .setJti(randomBytes(10).toString('hex'))
        .sign(keys.privateKey)
      if (cache.size > 100_000) cache.clear()
      cache.set(user.uid, { token, user, fingerprint, renewAt: (iat + expireSec / 2) * 1000 })
      return token
    },
  }
}

/** A Bearer JWT we minted (for the built-in API behind Envoy/nginx): RS256, our keys, sub=session. */
export async function verifySessionJwt(keys: SigningKeys, token: string, nowMs: number): Promise<{ uid: string } | null> {
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const key = header.kid ? keys.verifiers.get(header.kid) : keys.publicKey
        if (!key) throw new Error('unknown kid')
        return key
      },
      { algorithms: ['RS256'], issuer: 'barong', audience: 'barong', subject: 'session', currentDate: new Date(nowMs), clockTolerance: 5 },
    )
    return typeof payload.uid === 'string' ? { uid: payload.uid } : null
  } catch {
    return null
  }
}
