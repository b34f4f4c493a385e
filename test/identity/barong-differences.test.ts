// Deliberate differences from Barong that no other file covers (docs/differences-from-barong.md: #d10, #d20,
// #d24, #d26).
import { and, eq } from 'drizzle-orm'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activities, users } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { AUTH } from '../helpers/gateway.ts'
import { Client, ID, STRONG, register, seededApp, uniqueEmail } from '../helpers/http.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const userRow = async (email: string) => (await t.deps.db.select().from(users).where(eq(users.email, email)))[0]!

/** A token with Barong's claims, signed with the service's own key, that the service never issued. */
async function forgedToken(kind: 'confirmation' | 'reset', email: string, uid: string): Promise<string> {
  const iat = Math.floor(t.clock.now() / 1000)
  const claims: Record<string, unknown> = { email, uid }
  if (kind === 'reset') claims.reset_token = 'ab'.repeat(10)
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: `${kind}+jwt`, kid: t.deps.keys.kid })
    .setSubject(kind)
    .setIssuer('barong')
    .setAudience(['peatio', 'barong'])
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .setJti('cd'.repeat(10))
    .sign(t.deps.keys.privateKey)
}

describe('one-time tokens: only the ones this service stored are accepted', () => {
  it('a validly signed confirmation token that was never issued is refused and confirms nothing', async () => {
    const { email, body } = await register(t, uniqueEmail('unissued'))
    const res = await new Client(t).post(`${ID}/users/email/confirm_code`, { token: await forgedToken('confirmation', email, body.uid) })
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({ errors: ['identity.user.utilized_token'] })
    expect((await userRow(email)).state).toBe('pending')
  })

  it('a validly signed reset token that was never issued is refused and changes no password', async () => {
    const { email, body } = await register(t, uniqueEmail('unissued-reset'))
    const before = (await userRow(email)).passwordDigest
    const token = await forgedToken('reset', email, body.uid)
    const res = await new Client(t).post(`${ID}/users/password/confirm_code`, {
      reset_password_token: token,
      password: 'Other-Pass42x',
      confirm_password: 'Other-Pass42x',
    })
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({ errors: ['identity.user.utilized_token'] })
    expect((await userRow(email)).passwordDigest).toBe(before)
  })
})

describe('activities', () => {
  it('a login without a User-Agent still writes its activity row (Barong drops it)', async () => {
    const { email } = await register(t, uniqueEmail('no-agent'))
    const res = await t.app.request(`${ID}/sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '10.1.2.3' },
      body: JSON.stringify({ email, password: STRONG }),
    })
    expect(res.status).toBe(200)
    const u = await userRow(email)
    const rows = await t.deps.db
      .select()
      .from(activities)
      .where(and(eq(activities.userId, u.id), eq(activities.topic, 'session'), eq(activities.action, 'login')))
    expect(rows).toMatchObject([{ result: 'succeed', userAgent: '', category: 'user' }])
  })
})

describe('sessions', () => {
  it('a session ends at its absolute lifetime however active it is (Barong has none)', async () => {
    const { client } = await register(t, uniqueEmail('absolute'))
    const me = `${AUTH}/api/v2/barong/resource/users/me`
    // Requests 25 minutes apart keep the idle deadline away; the default absolute lifetime is 24 h.
    for (let elapsed = 25; elapsed < 24 * 60; elapsed += 25) {
      t.clock.advance(25 * 60_000)
      expect((await client.get(me)).status).toBe(200)
    }
    t.clock.advance(25 * 60_000)
    const late = await client.get(me)
    expect(late.status).toBe(401)
    // The record's TTL is the absolute deadline: a store on the test clock has dropped it (invalid_session),
    // Redis on real time still holds it and the deadline check refuses it (client_session_mismatch).
    const { errors } = (await late.json()) as { errors: string[] }
    expect(errors).toHaveLength(1)
    expect(['authz.invalid_session', 'authz.client_session_mismatch']).toContain(errors[0])
  })
})

describe('seeding', () => {
  it('creates no default admin account without BARONG_ADMIN_EMAIL / BARONG_ADMIN_PASSWORD', async () => {
    const admins = await t.deps.db.select().from(users).where(eq(users.role, 'superadmin'))
    expect(admins).toEqual([])
  })
})
