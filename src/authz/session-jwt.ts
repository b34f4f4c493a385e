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

export interface JwtMinter {
  mint(user: UserSnapshot, ref: JwtRef): Promise<string>
  /** Tokens held (for tests and the replica bench). */
  readonly size: number
}

interface Minted {
  token: string
  /** The snapshot the claims were taken from: the user cache hands out the same object until it reloads. */
  user: UserSnapshot
  renewAt: number
}

const sameClaims = (a: UserSnapshot, b: UserSnapshot) =>
  a.uid === b.uid && a.email === b.email && a.role === b.role && a.level === b.level && a.state === b.state && a.referralId === b.referralId

/**
 * jose returns the token as a string built from its parts, and V8 keeps those parts alive behind it: 1.5 KB per
 * token held instead of 0.8 (measured). A copy is one flat string. JWTs are ASCII, so latin1 is exact.
 */
const flat = (token: string) => Buffer.from(token, 'latin1').toString('latin1')

/**
 * RS256 signing costs ~1 ms; a session's (or API key's) token is reused while more than half its life remains
 * and the user's claims are unchanged, so a steady client costs no signing at all. Tokens are per session,
 * never shared between sessions of one user: ending one session must not leave another's token valid.
 *
 * At most `maxEntries` tokens are held per kind (the replica's bound, BARONG_SESSION_CACHE_SIZE): about 0.9 KB each
 * (`npm run bench -- replica`). A token is re-inserted when it is renewed, so the maps are in renewal order: the
 * first entry is always the next to fall due, the one to drop when full, and any that already fell due go with it.
 *
 * A token is held from the second one signed for the same session or key (a doorkeeper, as in TinyLFU): a session
 * used once gains nothing from a held token, and a burst of such sessions would push out the tokens of steady
 * clients. The doorkeeper remembers a short prefix of each reference (a collision only admits a token early).
 */
export function createJwtMinter(keys: SigningKeys, expireSec: number, nowMs: () => number, maxEntries = 100_000): JwtMinter {
  const bySession = new Map<string, Minted>()
  const byApiKey = new Map<string, Minted>()
  const seenSessions = new Set<string>()
  const seenApiKeys = new Set<string>()
  const hold = (held: Map<string, Minted>, key: string, minted: Minted, now: number) => {
    held.delete(key)
    held.set(key, minted)
    for (const [k, m] of held) {
      if (held.size <= maxEntries && m.renewAt > now) break
      held.delete(k)
    }
  }
  // True on the second time a reference is seen; the oldest remembered prefix goes when the set is full.
  const admitted = (seen: Set<string>, key: string) => {
    const mark = key.length > 12 ? key.slice(0, 12) : key // under 13 characters V8 copies, so the key is not kept alive
    if (seen.delete(mark)) return true
    seen.add(mark)
    if (seen.size > maxEntries) seen.delete(seen.values().next().value!)
    return false
  }
  return {
    async mint(user, ref) {
      const now = nowMs()
      const held = ref.kind === 'session' ? bySession : byApiKey
      const key = ref.kind === 'session' ? ref.hash : ref.kid
      const hit = held.get(key)
      if (hit && now < hit.renewAt && (hit.user === user || sameClaims(hit.user, user))) {
        hit.user = user
        return hit.token
      }
      const iat = Math.floor(now / 1000)
      const token = await new SignJWT({ ...sessionClaims(user), ...refClaim(ref) })
        .setProtectedHeader({ alg: 'RS256', kid: keys.kid })
        .setIssuedAt(iat)
        .setExpirationTime(iat + expireSec)
        .setSubject('session')
        .setIssuer('barong')
        .setAudience(['peatio', 'barong'])
        .setJti(randomBytes(10).toString('hex'))
        .sign(keys.privateKey)
      const minted = { token: flat(token), user, renewAt: (iat + expireSec / 2) * 1000 }
      if (maxEntries > 0 && (hit || admitted(ref.kind === 'session' ? seenSessions : seenApiKeys, key))) hold(held, key, minted, now)
      return minted.token
    },
    get size() {
      return bySession.size + byApiKey.size
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
