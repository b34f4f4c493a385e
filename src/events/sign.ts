import { randomUUID, type KeyObject } from 'node:crypto'
import { GeneralSign, generalVerify, type GeneralJWS } from 'jose'
import type { SigningKeys } from '../crypto/keys.ts'

/** A JWS in general JSON serialisation: the body of every message Barong puts on RabbitMQ. */
export type GeneralJws = GeneralJWS

/** Barong's event claims (docs/barong-behaviour-notes.md#s8). */
export interface EventClaims {
  iss: 'barong'
  jti: string
  iat: number
  exp: number
  event: Record<string, unknown>
}

// Barong 2.5 signs events for one minute (2.6 uses an hour); consumers reject older messages.
export const EVENT_TTL_SEC = 60

/**
 * Signs an event the way Barong's event middleware does: RS256 with the session-JWT key, the
 * protected header only `{"alg":"RS256"}` and the unprotected header `{"kid":"barong"}` — the
 * literal "barong", not our key thumbprint, because consumers (peatio, the mailer) look the
 * signer up by that name.
 */
export async function signEvent(keys: SigningKeys, event: Record<string, unknown>, nowSec: number): Promise<GeneralJws> {
  const iat = Math.floor(nowSec)
  const claims: EventClaims = { iss: 'barong', jti: randomUUID(), iat, exp: iat + EVENT_TTL_SEC, event }
  return new GeneralSign(new TextEncoder().encode(JSON.stringify(claims)))
    .addSignature(keys.privateKey)
    .setProtectedHeader({ alg: 'RS256' })
    .setUnprotectedHeader({ kid: 'barong' })
    .sign()
}

export interface VerifyEventOptions {
  /** Seconds since the epoch to check `exp` against; default the current time. */
  nowSec?: number
  /** Seconds of clock skew tolerated on `exp`. */
  leewaySec?: number
}

/** Verifies a signed event (RS256 only) and returns its claims; throws on a bad signature, issuer or expiry. */
export async function verifyEvent(jws: GeneralJws, publicKey: KeyObject, opts: VerifyEventOptions = {}): Promise<EventClaims> {
  const { payload } = await generalVerify(jws, publicKey, { algorithms: ['RS256'] })
  const claims = JSON.parse(new TextDecoder().decode(payload)) as Partial<EventClaims>
  if (claims.iss !== 'barong') throw new Error('event: iss is not barong')
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') throw new Error('event: iat/exp missing')
  if (typeof claims.event !== 'object' || claims.event === null) throw new Error('event: no event claim')
  const now = opts.nowSec ?? Date.now() / 1000
  if (claims.exp + (opts.leewaySec ?? 0) < now) throw new Error('event: expired')
  return claims as EventClaims
}
