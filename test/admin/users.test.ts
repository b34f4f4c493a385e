import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiKeys, comments, dataStorages, labels, permissions, profiles, users } from '../../src/storage/schema/index.ts'
import { ADMIN, adminApp, lastAdminChange, staff } from '../helpers/admin.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { apiKeyHeaders, createApiKey, setUser } from '../helpers/gateway.ts'
import { lastEvent } from '../helpers/http.ts'
import { RES, expectRefusal } from '../helpers/two-factor.ts'

let t: TestApp
beforeAll(async () => {
  t = await adminApp()
})
afterAll(async () => t?.close())

const row = async (uid: string) => (await t.deps.db.select().from(users).where(eq(users.uid, uid)))[0]!
const put = (s: { client: { request: (m: string, p: string, b?: unknown) => Promise<Response> } }, path: string, body: unknown) => s.client.request('PUT', path, body)

/** A profile as the resource API writes it: names sealed, with their search digests. */
async function addProfile(userId: number, p: { first_name: string; last_name: string; country: string }) {
  const { sealedColumns } = await import('../../src/accounts/profile-seal.ts')
  await t.deps.db.insert(profiles).values({ userId, country: p.country, state: 'drafted', ...sealedColumns(t.deps.secrets, p) })
}

describeGateCases('/admin/users', () => t, { method: 'GET', path: `${ADMIN}/users?limit=1`, role: 'superadmin' })
describeGateCases('/admin/users (PUT)', () => t, { method: 'PUT', path: `${ADMIN}/users`, body: { uid: 'ID0000000000', state: 'banned' }, role: 'superadmin', control: false })

describe('GET /admin/users', () => {
  it('filters exactly, pages with Barong’s headers, orders on whitelisted columns', async () => {
    const admin = await staff(t, 'superadmin')
    const a = await staff(t, 'broker', { level: 2 })
    const b = await staff(t, 'broker', { level: 3, state: 'banned' })
    const c = await staff(t, 'broker', { level: 3 })
    const list = async (q: string) => {
      const res = await admin.client.get(`${ADMIN}/users?role=broker&${q}`)
      expect(res.status, await res.clone().text()).toBe(200)
      return { res, uids: ((await res.json()) as { uid: string }[]).map((u) => u.uid) }
    }
    expect((await list('')).uids).toEqual([a.uid, b.uid, c.uid])
    expect((await list('level=3')).uids).toEqual([b.uid, c.uid])
    expect((await list('level=3&state=active')).uids).toEqual([c.uid])
    expect((await list(`email=${encodeURIComponent(b.email.toUpperCase())}`)).uids).toEqual([b.uid])
    expect((await list(`uid=${a.uid}`)).uids).toEqual([a.uid])
    expect((await list('order_by=level&ordering=desc')).uids).toEqual([c.uid, b.uid, a.uid])
    const paged = await list('limit=2&page=2')
    expect(paged.uids).toEqual([c.uid])
    expect([paged.res.headers.get('total'), paged.res.headers.get('page'), paged.res.headers.get('per-page')]).toEqual(['3', '2', '2'])
    const created = Math.floor((await row(b.uid)).createdAt.getTime() / 1000)
    expect((await list(`from=${created + 3600}`)).uids).toEqual([])
    expect((await list(`to=${created - 3600}`)).uids).toEqual([])
    expect((await list(`range=updated&from=${created - 3600}`)).uids).toEqual([a.uid, b.uid, c.uid])
    const [first] = (await (await admin.client.get(`${ADMIN}/users?uid=${a.uid}`)).json()) as Record<string, unknown>[]
    expect(first).toEqual({ email: a.email, uid: a.uid, role: 'broker', level: 2, otp: false, state: 'active', referral_uid: null, data: null })
  })

  it('profile filters: country, and names matched case-insensitively through their digests; extended shows profiles', async () => {
    const admin = await staff(t, 'superadmin')
    const u = await staff(t, 'partner')
    const other = await staff(t, 'partner')
    await addProfile(u.id, { first_name: 'Ann', last_name: 'Lee', country: 'UA' })
    await addProfile(other.id, { first_name: 'Bob', last_name: 'Lee', country: 'DE' })
    const uids = async (q: string) => ((await (await admin.client.get(`${ADMIN}/users?role=partner&${q}`)).json()) as { uid: string }[]).map((x) => x.uid)
    expect(await uids('country=UA')).toEqual([u.uid])
    expect(await uids('first_name=ann')).toEqual([u.uid])
    expect(await uids('last_name=LEE%20')).toEqual([u.uid, other.uid])
    expect(await uids('first_name=Anna')).toEqual([])
    const [ext] = (await (await admin.client.get(`${ADMIN}/users?uid=${u.uid}&extended=true`)).json()) as Record<string, any>[]
    expect(Object.keys(ext!)).toEqual(['email', 'uid', 'role', 'level', 'otp', 'state', 'data', 'profiles', 'referral_uid', 'created_at', 'updated_at'])
    expect(ext!.profiles).toEqual([expect.objectContaining({ first_name: 'Ann', last_name: 'Lee', country: 'UA', state: 'drafted' })])
  })

  it('bad parameters → 422 with Barong’s keys; columns outside the whitelist (password_digest) refused', async () => {
    const admin = await staff(t, 'superadmin')
    const bad = async (q: string, keys: string[]) => {
      const res = await admin.client.get(`${ADMIN}/users?${q}`)
      expect(res.status).toBe(422)
      expect(await res.json()).toEqual({ errors: keys })
    }
    await bad('extended=maybe', ['admin.user.non_boolean_extended'])
    await bad('range=deleted', ['admin.user.invalid_range'])
    await bad('ordering=up', ['user.ordering.invalid_ordering'])
    await bad('order_by=password_digest', ['user.ordering.invalid_attribute'])
    await bad('page=0', ['non_positive_page'])
    await bad('limit=101', ['invalid_limit'])
    await bad('level=x', ['invalid'])
    await bad('email=a%00b', ['admin.user.invalid_email'])
  })

  it('abilities: accountant and technical read; a member does not reach it', async () => {
    for (const role of ['accountant', 'technical', 'compliance', 'admin']) {
      const s = await staff(t, role)
      expect((await s.client.get(`${ADMIN}/users?limit=1`)).status, role).toBe(200)
    }
    const member = await staff(t)
    expect((await member.client.get(`${ADMIN}/users`)).status).toBe(401)
  })
})

describe('PUT /admin/users and POST /admin/users/update', () => {
  it('a ban: state written, API keys off, the banned user refused at once, event and change record', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    await setUser(t, user.uid, { otp: true })
    const key = await createApiKey(t, user.id)
    expect((await t.request(`${RES}/users/me`, { headers: { ...apiKeyHeaders(key.kid, key.secret, t.clock.now()), 'User-Agent': 'x' } })).status).toBe(200)
    const res = await put(admin, `${ADMIN}/users`, { uid: user.uid, state: 'banned' })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(await res.json()).toBe(200)
    expect((await row(user.uid)).state).toBe('banned')
    expect((await t.deps.db.select().from(apiKeys).where(eq(apiKeys.userId, user.id)))[0]!.state).toBe('inactive')
    expect((await user.client.get(`${RES}/users/me`)).status).toBe(401)
    expect((await t.request(`${RES}/users/me`, { headers: { ...apiKeyHeaders(key.kid, key.secret, t.clock.now() + 1), 'User-Agent': 'x' } })).status).toBe(401)
    expect((await lastEvent(t, 'user.updated'))?.record).toMatchObject({ uid: user.uid, state: 'banned' })
    expect(await lastAdminChange(t, 'users')).toMatchObject({ userId: admin.id, targetUid: user.uid, action: 'update', data: { state: 'banned' } })
    // The same through POST /admin/users/update.
    const back = await admin.client.post(`${ADMIN}/users/update`, { uid: user.uid, state: 'active' })
    expect(back.status).toBe(200)
    expect((await row(user.uid)).state).toBe('active')
  })

  it('otp=false switches 2FA off and removes the otp label', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t, 'member', { otp: true })
    await t.deps.db.insert(labels).values({ userId: user.id, key: 'otp', value: 'enabled', scope: 'private' })
    expect((await admin.client.post(`${ADMIN}/users/update`, { uid: user.uid, otp: false })).status).toBe(200)
    expect((await row(user.uid)).otp).toBe(false)
    expect(await t.deps.db.select().from(labels).where(and(eq(labels.userId, user.id), eq(labels.key, 'otp')))).toEqual([])
  })

  it('each refusal in Barong’s order, nothing changed', async () => {
    const admin = await staff(t, 'admin')
    const superadmin = await staff(t, 'superadmin')
    const user = await staff(t)
    const send = (body: unknown) => () => put(admin, `${ADMIN}/users`, body)
    await expectRefusal(t, send({ uid: user.uid }), 422, ['admin.user.one_of_state_otp'])
    await expectRefusal(t, send({ uid: user.uid, state: 'banned', otp: false }), 422, ['admin.user.one_of_state_otp'])
    await expectRefusal(t, send({ state: 'banned' }), 422, ['admin.user.missing_uid', 'admin.user.empty_uid'])
    await expectRefusal(t, send({ uid: 'ID0000000000', state: 'banned' }), 404, ['admin.user.doesnt_exist'])
    await expectRefusal(t, send({ uid: superadmin.uid, state: 'banned' }), 422, ['admin.user.superadmin_change'])
    await expectRefusal(t, send({ uid: admin.uid, state: 'banned' }), 422, ['admin.user.update_himself'])
    await expectRefusal(t, send({ uid: user.uid, otp: true }), 422, ['admin.user.enable_2fa'])
    await expectRefusal(t, send({ uid: user.uid, state: 'active' }), 422, ['admin.user.state_no_change'])
    await expectRefusal(t, send({ uid: user.uid, otp: false }), 422, ['admin.user.otp_no_change'])
    await expectRefusal(t, send({ uid: user.uid, state: '' }), 422, ['admin.user.empty_state'])
  })

  it('abilities and rank: accountant reaches it but only reads users (403); compliance may not ban an admin (403)', async () => {
    const accountant = await staff(t, 'accountant')
    const compliance = await staff(t, 'compliance')
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    await expectRefusal(t, () => put(accountant, `${ADMIN}/users`, { uid: user.uid, state: 'banned' }), 403, ['admin.ability.not_permitted'])
    await expectRefusal(t, () => put(compliance, `${ADMIN}/users`, { uid: admin.uid, state: 'banned' }), 403, ['admin.ability.not_permitted'])
    expect((await put(compliance, `${ADMIN}/users`, { uid: user.uid, state: 'banned' })).status).toBe(200)
  })
})

describe('POST /admin/users/role', () => {
  it('superadmin changes a role; the gate sees the new role at once', async () => {
    const root = await staff(t, 'superadmin')
    const user = await staff(t)
    expect((await user.client.get(`${ADMIN}/users?limit=1`)).status).toBe(401)
    const res = await root.client.post(`${ADMIN}/users/role`, { uid: user.uid, role: 'accountant' })
    expect(res.status, await res.clone().text()).toBe(200)
    expect((await row(user.uid)).role).toBe('accountant')
    expect((await user.client.get(`${ADMIN}/users?limit=1`)).status).toBe(200)
    expect(await lastAdminChange(t, 'users')).toMatchObject({ targetUid: user.uid, data: { role: 'accountant', previous: 'member' } })
  })

  it('refusals: unknown user, no change, unknown role, a role above one’s own; admins never reach it', async () => {
    const root = await staff(t, 'superadmin')
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    const send = (s: typeof root, body: unknown) => () => s.client.post(`${ADMIN}/users/role`, body)
    await expectRefusal(t, send(root, { uid: 'ID0000000000', role: 'admin' }), 404, ['admin.user.doesnt_exist'])
    await expectRefusal(t, send(root, { uid: root.uid, role: 'admin' }), 422, ['admin.user.update_himself'])
    await expectRefusal(t, send(root, { uid: user.uid, role: 'member' }), 422, ['admin.user.role_no_change'])
    await expectRefusal(t, send(root, { uid: user.uid, role: 'pirate' }), 422, ['role.doesnt_exist'])
    await expectRefusal(t, send(admin, { uid: user.uid, role: 'superadmin' }), 401, ['authz.invalid_permission'])
    // Let compliance past the gate's DROP row: the in-process rank check still refuses a grant above its own.
    const compliance = await staff(t, 'compliance')
    await t.deps.db.delete(permissions).where(and(eq(permissions.role, 'compliance'), eq(permissions.path, 'api/v2/barong/admin/users/role')))
    await t.deps.authzCache.load()
    await expectRefusal(t, send(compliance, { uid: user.uid, role: 'admin' }), 403, ['admin.ability.not_permitted'])
    expect((await send(compliance, { uid: user.uid, role: 'support' })()).status).toBe(200)
  })
})

describe('GET /admin/users/documents/pending', () => {
  it('users whose document label is pending or replaced, the longest waiting first', async () => {
    const admin = await staff(t, 'admin')
    const [a, b, c] = [await staff(t, 'manager'), await staff(t, 'manager'), await staff(t, 'manager')]
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s))
    await t.deps.db.insert(labels).values([
      { userId: a.id, key: 'document', value: 'pending', scope: 'private', updatedAt: at(30) },
      { userId: b.id, key: 'document', value: 'replaced', scope: 'private', updatedAt: at(10) },
      { userId: c.id, key: 'document', value: 'verified', scope: 'private', updatedAt: at(0) },
    ])
    const res = await admin.client.get(`${ADMIN}/users/documents/pending?role=manager`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { uid: string }[]).map((u) => u.uid)).toEqual([b.uid, a.uid])
    expect(res.headers.get('total')).toBe('2')
  })
})

describe('GET /admin/users/:uid and DELETE /admin/users/data_storage', () => {
  it('the staff view: profiles, labels with descriptions, phones, documents, storages, comments; Barong’s field order', async () => {
    const admin = await staff(t, 'technical')
    const user = await staff(t)
    await addProfile(user.id, { first_name: 'Ann', last_name: 'Lee', country: 'UA' })
    await t.deps.db.insert(labels).values({ userId: user.id, key: 'email', value: 'verified', scope: 'private', description: 'confirmed' })
    await t.deps.db.insert(comments).values({ userId: user.id, authorUid: admin.uid, title: 'note', data: 'called them' })
    const res = await admin.client.get(`${ADMIN}/users/${user.uid}`)
    expect(res.status, await res.clone().text()).toBe(200)
    const body = await res.json()
    expect(Object.keys(body)).toEqual(['email', 'uid', 'role', 'level', 'otp', 'state', 'data', 'profiles', 'labels', 'phones', 'documents', 'data_storages', 'comments', 'referral_uid', 'created_at', 'updated_at'])
    expect(body.profiles).toEqual([expect.objectContaining({ first_name: 'Ann', country: 'UA' })])
    expect(body.labels).toEqual([{ key: 'email', value: 'verified', scope: 'private', description: 'confirmed', created_at: expect.any(String), updated_at: expect.any(String) }])
    expect(body.comments).toEqual([{ id: expect.any(Number), author_uid: admin.uid, title: 'note', data: 'called them', created_at: expect.any(String), updated_at: expect.any(String) }])
    await expectRefusal(t, () => admin.client.get(`${ADMIN}/users/ID0000000000`), 404, ['admin.user.doesnt_exist'])
  })

  it('removes the storage and the `<title>:recorded` label it set; unknown title or user → 404', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    await t.deps.db.insert(dataStorages).values([
      { userId: user.id, title: 'personal', data: '{}' },
      { userId: user.id, title: 'email', data: '{}' },
    ])
    await t.deps.db.insert(labels).values([
      { userId: user.id, key: 'personal', value: 'recorded', scope: 'private' },
      { userId: user.id, key: 'email', value: 'verified', scope: 'private' },
    ])
    const res = await admin.client.delete(`${ADMIN}/users/data_storage`, { uid: user.uid, title: 'personal' })
    expect(res.status, await res.clone().text()).toBe(200)
    const body = await res.json()
    expect(body.data_storages.map((d: { title: string }) => d.title)).toEqual(['email'])
    expect(body.labels.map((l: { key: string }) => l.key)).toEqual(['email'])
    expect((await admin.client.delete(`${ADMIN}/users/data_storage`, { uid: user.uid, title: 'email' })).status).toBe(200)
    expect((await t.deps.db.select().from(labels).where(eq(labels.userId, user.id))).map((l) => l.key)).toEqual(['email'])
    await expectRefusal(t, () => admin.client.delete(`${ADMIN}/users/data_storage`, { uid: user.uid, title: 'personal' }), 404, ['admin.storage.doesnt_exist'])
    await expectRefusal(t, () => admin.client.delete(`${ADMIN}/users/data_storage`, { uid: 'ID0000000000', title: 'x' }), 404, ['admin.user.doesnt_exist'])
  })
})
