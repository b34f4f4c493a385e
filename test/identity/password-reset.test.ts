import { asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activities, users } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { Client, ID, STRONG, eventsFor, register, seededApp, uniqueEmail } from '../helpers/http.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const NEW = 'Xwqe213PZCXwe'
const confirm = (body: Record<string, unknown>) => new Client(t).post(`${ID}/users/password/confirm_code`, body)
const resetTokens = async (email: string) => (await eventsFor(t, 'user.password.reset.token', email)).map((e) => e.record.token as string)

describe('password reset', () => {
  it('generate_code answers 201 for unknown emails without an event', async () => {
    const ghost = uniqueEmail('ghost')
    const res = await new Client(t).post(`${ID}/users/password/generate_code`, { email: ghost })
    expect(res.status).toBe(201)
    expect(await resetTokens(ghost)).toHaveLength(0)
  })

  it('validation keys, mismatch before the token', async () => {
    const empty = await confirm({})
    expect(empty.status).toBe(422)
    expect(await empty.json()).toEqual({
      errors: [
        'identity.user.missing_pass_token',
        'identity.user.empty_reset_password_token',
        'identity.user.missing_password',
        'identity.user.empty_password',
        'identity.user.missing_confirm_password',
        'identity.user.empty_confirm_password',
      ],
    })
    const mismatch = await confirm({ reset_password_token: 'x', password: NEW, confirm_password: `${NEW}!` })
    expect(await mismatch.json()).toEqual({ errors: ['identity.user.passwords_doesnt_match'] })
  })

  it('only the latest token works, once; a weak password leaves it usable; all sessions end', async () => {
    const { email, client } = await register(t)
    const other = new Client(t, '10.7.7.7')
    expect((await other.post(`${ID}/sessions`, { email, password: STRONG })).status).toBe(200)
    for (const c of [client, other]) expect((await c.get('/api/v2/auth/api/v2/barong/resource/users/me')).status).toBe(200)

    await new Client(t).post(`${ID}/users/password/generate_code`, { email: email.toUpperCase() })
    await new Client(t).post(`${ID}/users/password/generate_code`, { email })
    const [latest, older] = await resetTokens(email)
    const [event] = await eventsFor(t, 'user.password.reset.token', email)
    expect(event).toMatchObject({ record: { user: { email }, domain: 'openware.com' } })

    const stale = await confirm({ reset_password_token: older, password: NEW, confirm_password: NEW })
    expect(await stale.json()).toEqual({ errors: ['identity.user.utilized_token'] })

    const weak = await confirm({ reset_password_token: latest, password: 'Password1', confirm_password: 'Password1' })
    expect(weak.status).toBe(422)
    expect(await weak.json()).toEqual({ errors: ['password.weak'] })

    const ok = await confirm({ reset_password_token: latest, password: NEW, confirm_password: NEW })
    expect(ok.status).toBe(201)
    for (const c of [client, other]) {
      const res = await c.get('/api/v2/auth/api/v2/barong/resource/users/me')
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ errors: ['authz.invalid_session'] })
    }
    const reuse = await confirm({ reset_password_token: latest, password: NEW, confirm_password: NEW })
    expect(await reuse.json()).toEqual({ errors: ['identity.user.utilized_token'] })

    expect((await new Client(t).post(`${ID}/sessions`, { email, password: STRONG })).status).toBe(401)
    expect((await new Client(t).post(`${ID}/sessions`, { email, password: NEW })).status).toBe(200)

    const [u] = await t.deps.db.select().from(users).where(eq(users.email, email))
    const acts = (await t.deps.db.select().from(activities).where(eq(activities.userId, u!.id)).orderBy(asc(activities.id)))
      .filter((a) => a.topic === 'password')
      .map((a) => `${a.action}:${a.result}`)
    expect(acts).toEqual(['request password reset:succeed', 'request password reset:succeed', 'password reset:failed', 'password reset:succeed'])
    expect(await eventsFor(t, 'user.password.reset', email)).toHaveLength(1)
    // Only password_digest changed: Barong still emits the model update, with no visible changes (docs/barong-behaviour-notes.md#s8).
    const updates = await eventsFor(t, 'user.updated', email)
    expect(updates).toHaveLength(1)
    expect(updates[0]).toMatchObject({ name: 'model.user.updated', record: { uid: u!.uid, email }, changes: {} })
    expect(Object.keys(updates[0]!.changes)).toEqual([])
  })

  it('a confirmation token is not a reset token', async () => {
    const email = uniqueEmail('kind')
    await register(t, email)
    const [conf] = await eventsFor(t, 'user.email.confirmation.token', email)
    const res = await confirm({ reset_password_token: conf!.record.token, password: NEW, confirm_password: NEW })
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({ errors: ['jwt.decode_and_verify.confirmation'] })
  })
})
