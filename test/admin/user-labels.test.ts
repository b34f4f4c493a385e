import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labels, users } from '../../src/storage/schema/index.ts'
import { ADMIN, adminApp, lastAdminChange, staff } from '../helpers/admin.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { lastEvent } from '../helpers/http.ts'
import { expectRefusal } from '../helpers/two-factor.ts'

let t: TestApp
beforeAll(async () => {
  t = await adminApp()
})
afterAll(async () => t?.close())

const LABELS = `${ADMIN}/users/labels`
const labelsOf = async (userId: number) =>
  (await t.deps.db.select().from(labels).where(eq(labels.userId, userId))).map((l) => `${l.key}:${l.value}:${l.scope}:${l.description ?? ''}`).sort()
const standing = async (uid: string) => {
  const [u] = await t.deps.db.select({ level: users.level, state: users.state }).from(users).where(eq(users.uid, uid))
  return u!
}

describeGateCases('/admin/users/labels', () => t, { method: 'POST', path: LABELS, body: { uid: 'ID0000000000', key: 'vip', value: 'gold' }, role: 'superadmin', control: false })
describeGateCases('/admin/users/labels/list', () => t, { method: 'GET', path: `${LABELS}/list`, role: 'superadmin' })

describe('admin labels', () => {
  it('a private document:verified label walks the level 2 → 3; deleting it walks back; events and change records', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t, 'member', { level: 0, state: 'pending' })
    const add = (key: string, value: string, scope = 'private') => admin.client.post(LABELS, { uid: user.uid, key, value, scope })
    expect((await add('email', 'verified')).status).toBe(200)
    expect(await standing(user.uid)).toEqual({ level: 1, state: 'active' })
    expect((await add('phone', 'verified')).status).toBe(200)
    const res = await add('Document', 'Verified')
    expect(res.status, await res.clone().text()).toBe(200)
    expect(await res.json()).toBe(200)
    expect(await standing(user.uid)).toEqual({ level: 3, state: 'active' })
    expect((await lastEvent(t, 'document.verified'))?.record).toMatchObject({ key: 'document', value: 'verified', user: { uid: user.uid, level: 3 } })
    expect(await lastAdminChange(t, 'users')).toMatchObject({ userId: admin.id, targetUid: user.uid, action: 'create', data: { label: { key: 'document', value: 'verified', scope: 'private' } } })
    const del = await admin.client.delete(LABELS, { uid: user.uid, key: 'phone', scope: 'private' })
    expect(del.status).toBe(200)
    expect(await standing(user.uid)).toEqual({ level: 1, state: 'active' })
    expect(await labelsOf(user.id)).toEqual(['document:verified:private:', 'email:verified:private:'])
  })

  it('a private trigger label bans; public labels never move the standing', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    await t.deps.db.insert(labels).values({ userId: user.id, key: 'email', value: 'verified', scope: 'private' })
    expect((await admin.client.post(LABELS, { uid: user.uid, key: 'ban', value: 'fraud_x' })).status).toBe(200)
    expect((await standing(user.uid)).state).toBe('active')
    expect((await admin.client.post(LABELS, { uid: user.uid, key: 'ban', value: 'fraud_x', scope: 'private' })).status).toBe(200)
    expect((await standing(user.uid)).state).toBe('banned')
  })

  it('labels/update creates with replace (default), 404 without; PUT keeps the description unless given', async () => {
    const admin = await staff(t, 'admin')
    const user = await staff(t)
    const upd = (body: Record<string, unknown>) => admin.client.post(`${LABELS}/update`, { uid: user.uid, key: 'tier', scope: 'public', ...body })
    await expectRefusal(t, () => upd({ value: 'gold', replace: false }), 404, ['admin.label.doesnt_exist'])
    expect((await upd({ value: 'gold', description: 'vip' })).status).toBe(200)
    expect((await upd({ value: 'silver' })).status).toBe(200)
    expect(await labelsOf(user.id)).toEqual(['tier:silver:public:vip'])
    expect((await admin.client.request('PUT', LABELS, { uid: user.uid, key: 'tier', scope: 'public', value: 'bronze', description: 'demoted' })).status).toBe(200)
    expect(await labelsOf(user.id)).toEqual(['tier:bronze:public:demoted'])
    await expectRefusal(t, () => admin.client.request('PUT', LABELS, { uid: user.uid, key: 'tier', scope: 'private', value: 'x1x' }), 404, ['admin.label.doesnt_exist'])
    await expectRefusal(t, () => upd({ value: 'gold', replace: 'sometimes' }), 422, ['admin.user.non_boolean_replace'])
  })

  it('refusals with Barong’s keys, nothing changed', async () => {
    const admin = await staff(t, 'admin')
    const root = await staff(t, 'superadmin')
    const user = await staff(t)
    await t.deps.db.insert(labels).values({ userId: user.id, key: 'tier', value: 'gold', scope: 'public' })
    const post = (body: Record<string, unknown>) => () => admin.client.post(LABELS, { uid: user.uid, ...body })
    await expectRefusal(t, post({ key: 'tier', value: 'gold' }), 422, ['key.taken'])
    await expectRefusal(t, post({ key: 'a', value: 'b c', scope: 'secret' }), 422, ['key.too_short', 'value.invalid', 'scope.inclusion'])
    await expectRefusal(t, post({ key: 'vip', value: 'gold', description: '' }), 422, ['admin.user.empty_description'])
    await expectRefusal(t, () => admin.client.post(LABELS, { uid: 'ID0000000000', key: 'vip', value: 'gold' }), 404, ['admin.user.doesnt_exist'])
    await expectRefusal(t, () => admin.client.post(LABELS, { uid: root.uid, key: 'vip', value: 'gold' }), 422, ['admin.user.superadmin_change'])
    await expectRefusal(t, () => admin.client.delete(LABELS, { uid: user.uid, key: 'tier', scope: 'private' }), 404, ['admin.label.doesnt_exist'])
    await expectRefusal(t, () => admin.client.delete(LABELS, { uid: root.uid, key: 'tier', scope: 'public' }), 422, ['admin.user.superadmin_change'])
  })

  it('abilities: technical reads labels but may not create them (403)', async () => {
    const technical = await staff(t, 'technical')
    const user = await staff(t)
    expect((await technical.client.get(`${LABELS}?key=email&value=verified`)).status).toBe(200)
    // technical passes no write through the gate; accountant passes PUT /admin/users… but not labels (DROP).
    await t.deps.db.insert(labels).values({ userId: user.id, key: 'tier', value: 'gold', scope: 'public' })
    const compliance = await staff(t, 'compliance')
    expect((await compliance.client.request('PUT', LABELS, { uid: user.uid, key: 'tier', scope: 'public', value: 'bronze' })).status).toBe(200)
    const support = await staff(t, 'support')
    const { addPermission } = await import('../helpers/gateway.ts')
    await addPermission(t, { role: 'support', verb: 'all', path: 'api/v2/barong/admin/users/labels', action: 'accept' })
    await expectRefusal(t, () => support.client.post(LABELS, { uid: user.uid, key: 'vip', value: 'gold' }), 403, ['admin.ability.not_permitted'])
  })

  it('GET labels by key and value; labels/list counts private labels as Barong prints them', async () => {
    const admin = await staff(t, 'admin')
    const a = await staff(t)
    const b = await staff(t)
    for (const u of [a, b]) await t.deps.db.insert(labels).values({ userId: u.id, key: 'kyc_tier', value: 'two', scope: 'private' })
    const res = await admin.client.get(`${LABELS}?key=KYC_TIER&value=two&limit=1&page=2`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { uid: string }[]).map((u) => u.uid)).toEqual([b.uid])
    expect(res.headers.get('total')).toBe('2')
    const list = (await (await admin.client.get(`${LABELS}/list`)).json()) as Record<string, number>
    expect(list['["kyc_tier", "two"]']).toBe(2)
    await expectRefusal(t, () => admin.client.get(`${LABELS}?key=x`), 422, ['admin.user.missing_value'])
    expect(await t.deps.db.select().from(labels).where(and(eq(labels.key, 'kyc_tier'), eq(labels.scope, 'public')))).toEqual([])
  })
})
