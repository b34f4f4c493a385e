import { expect } from 'vitest'
import { totpCodeAt } from '../../src/crypto/totp.ts'
import type { TestApp } from './app.ts'
import type { Client } from './http.ts'
import { dbFingerprint } from './state.ts'

export const RES = '/api/v2/barong/resource'

/** A user's authenticator: each `next()` is the code of a fresh 30 s step (a code works once). */
export class Authenticator {
  constructor(
    readonly t: TestApp,
    readonly secret: string,
  ) {}
  next(): string {
    this.t.clock.advance(30_000)
    return totpCodeAt(this.secret, this.t.clock.now())
  }
  /** A well-formed code that matches none of the accepted steps. */
  wrong(): string {
    const now = this.t.clock.now()
    const valid = new Set([-30_000, 0, 30_000].map((d) => totpCodeAt(this.secret, now + d)))
    for (let i = 0; ; i++) {
      const code = String(i).padStart(6, '0')
      if (!valid.has(code)) return code
    }
  }
}

/** generate_qrcode, then enable with the first code: the client's user has 2FA on. */
export async function enableTwoFactor(t: TestApp, client: Client): Promise<Authenticator> {
  const qr = await client.post(`${RES}/otp/generate_qrcode`)
  expect(qr.status).toBe(201)
  const secret = new URL(((await qr.json()) as { data: { url: string } }).data.url).searchParams.get('secret')!
  const auth = new Authenticator(t, secret)
  const res = await client.post(`${RES}/otp/enable`, { code: auth.next() })
  expect(res.status, await res.clone().text()).toBe(201)
  return auth
}

/** Sends a refused request: its status and keys, and every table as before (a `failed` activity aside). */
export async function expectRefusal(t: TestApp, send: () => Promise<Response>, status: number, keys: string[]): Promise<void> {
  const before = await dbFingerprint(t)
  const res = await send()
  expect(res.status, await res.clone().text()).toBe(status)
  expect(await res.json()).toEqual({ errors: keys })
  expect(await dbFingerprint(t)).toEqual(before)
}
