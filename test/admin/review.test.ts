import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activities, comments, labels, profiles } from '../../src/storage/schema/index.ts'
import { ADMIN, adminApp, lastAdminChange, staff } from '../helpers/admin.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { addPermission, createApiKey } from '../helpers/gateway.ts'
import { Client, ID, lastEvent } from '../helpers/http.ts'
import { expectRefusal } from '../helpers/two-factor.ts'

let t: TestApp
beforeAll(async () => {
  t = await adminApp()
})
afterAll(async () => t?.close())

const PROFILES = `${ADMIN}/profiles`
const COMMENTS = `${ADMIN}/users/comments`

describeGateCases('/admin/activities', () => t, { method: 'GET', path: `${ADMIN}/activities?limit=1`, role: 'superadmin' })
describeGateCases('/admin/api_keys', () => t, { method: 'GET', path: `${ADMIN}/api_keys?uid=ID0000000000`, role: 'superadmin', control: false })
describeGateCases('/admin/users/comments', () => t, { method: 'POST', path: COMMENTS, body: { uid: 'ID0000000000', title: 't', data: 'd' }, role: 'superadmin', control: false })
describeGateCases('/admin/profiles', () => t, { method: 'GET', path: PROFILES, role: 'superadmin' })

describe('activities', () => {
  it('user activities with the user, newest first, filtered by topic, action, uid and email', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    await new Client(t).post(`${ID}/sessions`, { email: user.email, password: 'Wrong-password-1' })
    const res = await admin.client.get(`${ADMIN}/activities?uid=${user.uid}`)
    expect(res.status).toBe(200)
    const rows = await res.json()
    expect(rows.map((r: { topic: string; action: string; result: string }) => `${r.topic}/${r.action}/${r.result}`)).toEqual(['session/login/failed', 'account/signup/succeed'])
    expect(Object.keys(rows[0])).toEqual(['user_ip', 'user_ip_country', 'user_agent', 'topic', 'action', 'result', 'data', 'user', 'created_at'])
    expect(rows[0].user).toMatchObject({ uid: user.uid, email: user.email })
    const byEmail = await (await admin.client.get(`${ADMIN}/activities?email=${encodeURIComponent(user.email)}&topic=account&action=signup`)).json()
    expect(byEmail).toHaveLength(1)
    expect((await (await admin.client.get(`${ADMIN}/activities?uid=${user.uid}&from=${Math.floor(Date.now() / 1000) + 60}`)).json())).toEqual([])
  })

  it('admin activities: the change records with admin and target; refusals of bad filters', async () => {
    const root = await staff(t, 'superadmin')
    const user = await staff(t)
    expect((await root.client.request('PUT', `${ADMIN}/users`, { uid: user.uid, state: 'banned' })).status).toBe(200)
    const res = await root.client.get(`${ADMIN}/activities/admin?target_uid=${user.uid}`)
    expect(res.status).toBe(200)
    const [row] = await res.json()
    expect(row).toMatchObject({ topic: 'users', action: 'update', result: 'succeed', admin: { uid: root.uid }, target: { uid: user.uid, state: 'banned' } })
    expect(JSON.parse(row.data)).toEqual({ state: 'banned' })
    await expectRefusal(t, () => root.client.get(`${ADMIN}/activities/admin?range=updated`), 422, ['admin.activity.invalid_range'])
    await expectRefusal(t, () => root.client.get(`${ADMIN}/activities?page=0`), 422, ['non_positive_page'])
  })

  it('abilities: compliance reaches activities through the gate but may not read them (403); admins never see admin activities', async () => {
    const compliance = await staff(t, 'compliance')
    await expectRefusal(t, () => compliance.client.get(`${ADMIN}/activities`), 403, ['admin.ability.not_permitted'])
    const admin = await staff(t, 'admin')
    expect((await admin.client.get(`${ADMIN}/activities/admin`)).status).toBe(401)
    expect((await (await staff(t, 'accountant')).client.get(`${ADMIN}/activities`)).status).toBe(200)
  })
})

describe('API keys (read-only)', () => {
  it('a user’s keys without secrets, ordered and paged; unknown uid 404; bad ordering 422', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    await createApiKey(t, user.id)
    await createApiKey(t, user.id, 'inactive')
    const res = await admin.client.get(`${ADMIN}/api_keys?uid=${user.uid}&order_by=state&ordering=desc`)
    expect(res.status).toBe(200)
    const keys = await res.json()
    expect(keys.map((k: { state: string }) => k.state)).toEqual(['inactive', 'active'])
    expect(Object.keys(keys[0])).toEqual(['kid', 'algorithm', 'scope', 'state', 'created_at', 'updated_at'])
    expect(res.headers.get('total')).toBe('2')
    await expectRefusal(t, () => admin.client.get(`${ADMIN}/api_keys?uid=ID0000000000`), 404, ['admin.user.doesnt_exist'])
    await expectRefusal(t, () => admin.client.get(`${ADMIN}/api_keys?uid=${user.uid}&order_by=secret_encrypted`), 422, ['api_keys.ordering.invalid_attribute'])
    await expectRefusal(t, () => admin.client.get(`${ADMIN}/api_keys`), 422, ['admin.user.missing_uid', 'admin.user.empty_uid'])
  })
})

describe('comments', () => {
  it('create (201, author = caller), change, delete; each answers the user’s UserWithKYC', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    const res = await admin.client.post(COMMENTS, { uid: user.uid, title: 'call', data: 'Asked for a utility bill' })
    expect(res.status, await res.clone().text()).toBe(201)
    const view = await res.json()
    expect(view.uid).toBe(user.uid)
    expect(view.comments).toEqual([{ id: expect.any(Number), author_uid: admin.uid, title: 'call', data: 'Asked for a utility bill', created_at: expect.any(String), updated_at: expect.any(String) }])
    const id = view.comments[0].id
    const changed = await admin.client.request('PUT', COMMENTS, { id, data: 'Bill received' })
    expect(changed.status).toBe(200)
    expect((await changed.json()).comments[0]).toMatchObject({ title: 'call', data: 'Bill received' })
    const removed = await admin.client.delete(COMMENTS, { id })
    expect(removed.status).toBe(200)
    expect((await removed.json()).comments).toEqual([])
    expect(await t.deps.db.select().from(comments).where(eq(comments.id, id))).toEqual([])
  })

  it('refusals: lengths, unknown ids and users; accountant passes the gate on PUT /admin/users… but manages no users (403)', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    await expectRefusal(t, () => admin.client.post(COMMENTS, { uid: user.uid, title: 'x'.repeat(65), data: 'd' }), 422, ['admin.comments.title_too_long'])
    await expectRefusal(t, () => admin.client.post(COMMENTS, { uid: user.uid, title: 't', data: 'd'.repeat(65_536) }), 422, ['admin.comments.data_too_long'])
    await expectRefusal(t, () => admin.client.post(COMMENTS, { uid: 'ID0000000000', title: 't', data: 'd' }), 404, ['admin.user.doesnt_exist'])
    await expectRefusal(t, () => admin.client.request('PUT', COMMENTS, { id: 999999, data: 'd' }), 404, ['record.not_found'])
    await expectRefusal(t, () => admin.client.delete(COMMENTS, { id: 999999 }), 404, ['record.not_found'])
    const [note] = await t.deps.db.insert(comments).values({ userId: user.id, authorUid: admin.uid, title: 't', data: 'd' }).returning()
    const accountant = await staff(t, 'accountant')
    await expectRefusal(t, () => accountant.client.request('PUT', COMMENTS, { id: note!.id, data: 'changed' }), 403, ['admin.ability.not_permitted'])
  })
})

describe('profiles (KYC review)', () => {
  const alice = { first_name: 'Alice', last_name: 'Smith', dob: '1990-04-01', address: 'Main st. 5', postcode: '01001', city: 'Kyiv', country: 'UA' }

  it('staff create a submitted profile for a user, then verify it: label profile:verified, event, change records', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    const created = await admin.client.post(PROFILES, { uid: user.uid, ...alice })
    expect(created.status, await created.clone().text()).toBe(201)
    expect(await created.json()).toMatchObject({ ...alice, state: 'submitted' })
    const [row] = await t.deps.db.select().from(profiles).where(eq(profiles.userId, user.id))
    expect(row!.author).toBe(admin.uid)
    await expectRefusal(t, () => admin.client.post(PROFILES, { uid: user.uid, ...alice }), 422, ['state.exists'])
    const other = await staff(t, 'admin')
    const verified = await other.client.request('PUT', PROFILES, { uid: user.uid, state: 'verified' })
    expect(verified.status, await verified.clone().text()).toBe(200)
    expect((await verified.json()).state).toBe('verified')
    const [label] = await t.deps.db.select().from(labels).where(and(eq(labels.userId, user.id), eq(labels.key, 'profile')))
    expect(label).toMatchObject({ value: 'verified', scope: 'private' })
    expect((await lastEvent(t, 'profile.updated'))?.record).toMatchObject({ user: { uid: user.uid }, first_name: 'Alice' })
    expect(await lastAdminChange(t, 'profiles')).toMatchObject({ userId: other.id, targetUid: user.uid, data: { state: 'verified' } })
    await expectRefusal(t, () => other.client.request('PUT', PROFILES, { uid: user.uid, state: 'verified' }), 404, ['admin.profiles.doesnt_exist_or_not_editable'])
  })

  it('lists profiles (names opened); refusals: no submitted profile, unknown state, superadmin target', async () => {
    const admin = await staff(t, 'admin')
    const root = await staff(t, 'superadmin')
    const list = await admin.client.get(`${PROFILES}?limit=100`)
    expect(list.status).toBe(200)
    expect((await list.json()).some((p: { first_name: string }) => p.first_name === 'Alice')).toBe(true)
    const user = await staff(t)
    await expectRefusal(t, () => admin.client.request('PUT', PROFILES, { uid: user.uid, state: 'verified' }), 404, ['admin.profiles.doesnt_exist_or_not_editable'])
    await expectRefusal(t, () => admin.client.request('PUT', PROFILES, { uid: 'ID0000000000', state: 'verified' }), 404, ['admin.profiles.doesnt_exist_or_not_editable'])
    await expectRefusal(t, () => admin.client.request('PUT', PROFILES, { uid: user.uid, state: 'approved' }), 422, ['admin.profiles.invalid_state'])
    expect((await root.client.post(PROFILES, { uid: root.uid, ...alice })).status).toBe(201)
    await expectRefusal(t, () => admin.client.request('PUT', PROFILES, { uid: root.uid, state: 'verified' }), 422, ['admin.profiles.superadmin_change'])
  })

  it('double verification: the author needs a second admin unless their role may decide alone', async () => {
    const strict = await adminApp({ BARONG_PROFILE_DOUBLE_VERIFICATION: 'true' })
    try {
      const admin = await staff(strict, 'admin')
      const user = await staff(strict)
      expect((await admin.client.post(PROFILES, { uid: user.uid, ...alice })).status).toBe(201)
      await expectRefusal(strict, () => admin.client.request('PUT', PROFILES, { uid: user.uid, state: 'verified' }), 422, ['admin.profiles.second_admin_approval'])
      const second = await staff(strict, 'admin')
      expect((await second.client.request('PUT', PROFILES, { uid: user.uid, state: 'rejected' })).status).toBe(200)
    } finally {
      await strict.close()
    }
  })

  it('abilities: support reads profiles but may not decide them (403)', async () => {
    const support = await staff(t, 'support')
    await addPermission(t, { role: 'support', verb: 'all', path: 'api/v2/barong/admin/profiles', action: 'accept' })
    expect((await support.client.get(PROFILES)).status).toBe(200)
    await expectRefusal(t, () => support.client.request('PUT', PROFILES, { uid: 'ID0000000000', state: 'verified' }), 403, ['admin.ability.not_permitted'])
  })
})
