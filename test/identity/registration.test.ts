import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activities, users } from '../../src/storage/schema/index.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { Client, ID, STRONG, eventsFor, register, seededApp, uniqueEmail } from '../helpers/http.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const countUsers = async () => (await t.deps.db.select({ id: users.id }).from(users)).length

describe('POST /identity/users', () => {
  it('an empty body gets all four validation keys and creates nothing', async () => {
    const before = await countUsers()
    const res = await new Client(t).post(`${ID}/users`, {})
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({
      errors: ['identity.user.missing_email', 'identity.user.empty_email', 'identity.user.missing_password', 'identity.user.empty_password'],
    })
    expect(await countUsers()).toBe(before)
  })

  it.each([
    [{ email: 'bad_format', password: 'Password1' }, ['email.invalid', 'password.weak']],
    [{ email: 'ok@example.com', password: 'password' }, ['password.requirements']],
    [{ email: 'ok2@example.com', password: STRONG, data: '{not json' }, ['data.invalid_format']],
    [{ email: 'ok3@example.com', password: STRONG, data: JSON.stringify({ x: 'y'.repeat(1100) }) }, ['data.too_long']],
    [{ email: 'ok4@example.com', password: STRONG, refid: 'XX1234567890' }, ['identity.user.invalid_referral_format']],
    [{ email: 'ok5@example.com', password: STRONG, refid: 'ID0000000000' }, ['identity.user.referral_doesnt_exist']],
  ])('%j → 422 %j, nothing created', async (body, keys) => {
    const before = await countUsers()
    const res = await new Client(t).post(`${ID}/users`, body)
    expect(res.status).toBe(422)
    expect((await res.json()).errors).toEqual(keys)
    expect(await countUsers()).toBe(before)
  })

  it('creates a pending member, opens a session and records the activity and events', async () => {
    const email = uniqueEmail('signup')
    const { res, body, client } = await register(t, email, STRONG, { data: '{"language":"en"}' })
    expect(res.status).toBe(201)
    expect(Object.keys(body)).toEqual([
      'email', 'uid', 'role', 'level', 'otp', 'state', 'referral_uid', 'csrf_token', 'data', 'created_at', 'updated_at', 'labels', 'phones', 'profiles', 'data_storages',
    ])
    expect(body).toMatchObject({ email, role: 'member', level: 0, otp: false, state: 'pending', referral_uid: null, data: '{"language":"en"}', labels: [] })
    expect(body.uid).toMatch(/^ID[0-9A-F]{10}$/)
    expect(body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(body.csrf_token).toMatch(/^[0-9a-f]{64}$/)
    const cookie = res.headers.get('set-cookie')!
    expect(cookie).toMatch(/^_barong_session=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/)
    expect(client.cookie).toBeDefined()

    const [row] = await t.deps.db.select().from(users).where(eq(users.email, email))
    expect(row!.passwordDigest).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    const acts = await t.deps.db.select().from(activities).where(eq(activities.userId, row!.id))
    expect(acts).toMatchObject([{ category: 'user', topic: 'account', action: 'signup', result: 'succeed', userIp: '10.1.2.3' }])
    const [created] = await eventsFor(t, 'user.created', email)
    expect(created).toMatchObject({ name: 'model.user.created', record: { uid: body.uid, email, state: 'pending' } })
    const [confirmation] = await eventsFor(t, 'user.email.confirmation.token', email)
    expect(confirmation).toMatchObject({ name: 'system.user.email.confirmation.token', record: { user: { email }, domain: 'openware.com' } })
    // Where Barong puts it and its mailer reads it (`@record.token`), and nowhere else.
    expect(confirmation!.record.token.split('.')).toHaveLength(3)
    expect(confirmation).not.toHaveProperty('token')
  })

  it('an email is taken whatever its case; the referrer is shown by uid', async () => {
    const email = uniqueEmail('taken')
    const first = await register(t, email)
    const again = await new Client(t).post(`${ID}/users`, { email: email.toUpperCase(), password: STRONG })
    expect(again.status).toBe(422)
    expect(await again.json()).toEqual({ errors: ['email.taken'] })

    const referred = await register(t, uniqueEmail('ref'), STRONG, { refid: first.body.uid })
    expect(referred.res.status).toBe(201)
    expect(referred.body.referral_uid).toBe(first.body.uid)
  })

  it('an empty refid is a referral format error, and nobody is created', async () => {
    const email = uniqueEmail('emptyref')
    const res = await new Client(t).post(`${ID}/users`, { email, password: STRONG, refid: '' })
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({ errors: ['identity.user.invalid_referral_format'] })
    expect(await t.deps.db.select().from(users).where(eq(users.email, email))).toHaveLength(0)
  })

  it('form-encoded sign-ups work as in Barong', async () => {
    const email = uniqueEmail('form')
    const res = await t.app.request(`${ID}/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'x' },
      body: new URLSearchParams({ email, password: STRONG }).toString(),
    })
    expect(res.status).toBe(201)
  })

  it('a cross-site HTML form cannot sign anyone up or in (login CSRF)', async () => {
    const email = uniqueEmail('csrf')
    // Media types are case-insensitive: every spelling of a form type is a form.
    const types = ['application/x-www-form-urlencoded', 'APPLICATION/X-WWW-FORM-URLENCODED', 'Application/X-Www-Form-Urlencoded; Charset=UTF-8', 'TEXT/PLAIN']
    for (const path of [`${ID}/users`, `${ID}/sessions`]) {
      for (const type of types) {
        const res = await t.app.request(path, {
          method: 'POST',
          headers: { 'Content-Type': type, 'Sec-Fetch-Site': 'cross-site', 'User-Agent': 'x' },
          body: new URLSearchParams({ email, password: STRONG }).toString(),
        })
        expect(res.status, `${path} ${type}`).toBe(403)
        expect(await res.json()).toEqual({ errors: ['authz.cross_site_request'] })
        expect(res.headers.get('set-cookie')).toBeNull()
      }
    }
    const [row] = await t.deps.db.select().from(users).where(eq(users.email, email))
    expect(row).toBeUndefined()
  })
})

describe('without the member role', () => {
  it('sign-up fails with role.doesnt_exist', async () => {
    const bare = await createTestApp()
    try {
      const res = await new Client(bare).post(`${ID}/users`, { email: uniqueEmail(), password: STRONG })
      expect(res.status).toBe(422)
      expect(await res.json()).toEqual({ errors: ['role.doesnt_exist'] })
    } finally {
      await bare.close()
    }
  })
})
