import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { permissions, restrictions } from '../../src/storage/schema/index.ts'
import { ADMIN, adminApp, lastAdminChange, staff } from '../helpers/admin.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { Client, ID } from '../helpers/http.ts'
import { RES, expectRefusal } from '../helpers/two-factor.ts'

let t: TestApp
beforeAll(async () => {
  t = await adminApp()
})
afterAll(async () => t?.close())

const PERMISSIONS = `${ADMIN}/permissions`
const RESTRICTIONS = `${ADMIN}/restrictions`
const permissionRows = (path: string) => t.deps.db.select().from(permissions).where(eq(permissions.path, path))

describeGateCases('/admin/permissions', () => t, { method: 'GET', path: PERMISSIONS, role: 'superadmin' })
describeGateCases('/admin/restrictions', () => t, { method: 'POST', path: RESTRICTIONS, body: { scope: 'ip', value: '10.9.9.9', category: 'blacklist', state: 'disabled' }, role: 'superadmin' })
describeGateCases('/admin/levels', () => t, { method: 'GET', path: `${ADMIN}/levels`, role: 'superadmin' })
describeGateCases('/admin/metrics', () => t, { method: 'GET', path: `${ADMIN}/metrics`, role: 'superadmin' })

describe('permissions', () => {
  it('a DROP created through the API refuses the role’s next request; update and delete; each change recorded', async () => {
    const root = await staff(t, 'superadmin')
    const member = await staff(t)
    expect((await member.client.get(`${RES}/users/me`)).status).toBe(200)
    const res = await root.client.post(PERMISSIONS, { role: 'member', verb: 'get', path: '/api/v2/barong/resource/users', action: 'drop', topic: 'lockdown' })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(await res.json()).toBe(200)
    const [row] = await permissionRows('api/v2/barong/resource/users')
    expect(row).toMatchObject({ role: 'member', verb: 'GET', action: 'DROP', topic: 'lockdown' })
    expect((await member.client.get(`${RES}/users/me`)).status).toBe(401)
    expect(await lastAdminChange(t, 'permissions')).toMatchObject({ userId: root.id, action: 'create', data: { id: row!.id, verb: 'GET', action: 'DROP' } })

    expect((await root.client.request('PUT', PERMISSIONS, { id: row!.id, verb: 'post' })).status).toBe(200)
    expect((await member.client.get(`${RES}/users/me`)).status).toBe(200)
    expect((await root.client.delete(PERMISSIONS, { id: row!.id })).status).toBe(200)
    expect(await permissionRows('api/v2/barong/resource/users')).toEqual([])
    expect(await lastAdminChange(t, 'permissions')).toMatchObject({ action: 'delete', data: { id: row!.id } })
  })

  it('lists rows in id order with pagination headers, times with milliseconds as Barong’s raw rows', async () => {
    const root = await staff(t, 'superadmin')
    const res = await root.client.get(`${PERMISSIONS}?limit=2&page=2`)
    expect(res.status).toBe(200)
    const rows = await res.json()
    expect(rows).toHaveLength(2)
    expect(Object.keys(rows[0])).toEqual(['id', 'action', 'role', 'verb', 'path', 'topic', 'created_at', 'updated_at'])
    expect(rows[0].created_at).toMatch(/\.\d{3}Z$/)
    expect(Number(res.headers.get('total'))).toBeGreaterThan(40)
    expect(res.headers.get('per-page')).toBe('2')
  })

  it('refusals, nothing written: verb, action, unknown role, unknown id; even PUT checks verb and action', async () => {
    const root = await staff(t, 'superadmin')
    const post = (body: Record<string, unknown>) => () => root.client.post(PERMISSIONS, { role: 'member', verb: 'get', path: 'api/v2/x', action: 'accept', ...body })
    await expectRefusal(t, post({ verb: 'fetch' }), 422, ['admin.permissions.invalid_verb'])
    await expectRefusal(t, post({ action: 'allow' }), 422, ['admin.permissions.invalid_action'])
    await expectRefusal(t, post({ role: 'pirate' }), 422, ['admin.permission.role_doesnt_exist'])
    await expectRefusal(t, post({ path: '' }), 422, ['admin.permission.empty_path'])
    await expectRefusal(t, post({ topic: 'a\u0000b' }), 422, ['admin.permission.invalid_topic'])
    await expectRefusal(t, () => root.client.request('PUT', PERMISSIONS, { id: 999999, verb: 'get' }), 404, ['admin.permission.doesnt_exist'])
    const [any] = await t.deps.db.select().from(permissions).limit(1)
    await expectRefusal(t, () => root.client.request('PUT', PERMISSIONS, { id: any!.id, action: 'all' }), 422, ['admin.permissions.invalid_action'])
    await expectRefusal(t, () => root.client.delete(PERMISSIONS, { id: 'one' }), 422, ['invalid'])
  })

  it('abilities: admin reads but may not write even when the gate lets it through (403); technical may not read (403)', async () => {
    const admin = await staff(t, 'admin')
    const technical = await staff(t, 'technical')
    expect((await technical.client.get(PERMISSIONS)).status).toBe(401)
    // The seeded DROP keeps admins out; without it the ability table still refuses writes.
    expect((await admin.client.get(PERMISSIONS)).status).toBe(401)
    await t.deps.db.delete(permissions).where(eq(permissions.path, 'api/v2/barong/admin/permissions'))
    await t.deps.authzCache.load()
    expect((await admin.client.get(PERMISSIONS)).status).toBe(200)
    await expectRefusal(t, () => admin.client.post(PERMISSIONS, { role: 'member', verb: 'get', path: 'api/v2/x', action: 'accept' }), 403, ['admin.ability.not_permitted'])
    await expectRefusal(t, () => technical.client.get(PERMISSIONS), 403, ['admin.ability.not_permitted'])
  })
})

describe('restrictions', () => {
  it('an enabled blacklist IP created through the API refuses that IP at once; disabling it lets it through', async () => {
    const root = await staff(t, 'superadmin')
    const victim = await staff(t)
    // The session is bound to its /16: another address of the same network.
    victim.client.ip = '10.1.77.1'
    expect((await victim.client.get(`${RES}/users/me`)).status).toBe(200)
    const res = await root.client.post(RESTRICTIONS, { scope: 'ip', value: '10.1.77.1', category: 'blacklist' })
    expect(res.status, await res.clone().text()).toBe(200)
    const [row] = await t.deps.db.select().from(restrictions).where(eq(restrictions.value, '10.1.77.1'))
    expect(row).toMatchObject({ state: 'enabled', code: 401 })
    const refused = await victim.client.get(`${RES}/users/me`)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toEqual({ errors: ['authz.restrict.blacklist'] })
    expect((await root.client.request('PUT', RESTRICTIONS, { id: row!.id, state: 'disabled' })).status).toBe(200)
    expect((await victim.client.get(`${RES}/users/me`)).status).toBe(200)
    expect((await root.client.delete(RESTRICTIONS, { id: row!.id })).status).toBe(200)
    expect(await lastAdminChange(t, 'restrictions')).toMatchObject({ action: 'delete', data: { value: '10.1.77.1' } })
  })

  it('filters by scope and category; model errors in Barong’s order; nothing written', async () => {
    const root = await staff(t, 'superadmin')
    const res = await root.client.get(`${RESTRICTIONS}?scope=ip_subnet&category=blacklist`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { value: string }[]).map((r) => r.value)).toEqual(['164.116.47.0/24'])
    const post = (body: Record<string, unknown>) => () => root.client.post(RESTRICTIONS, { scope: 'ip', category: 'blacklist', value: '10.1.1.1', ...body })
    await expectRefusal(t, post({ value: '164.116.47.255' }), 422, ['value.taken'])
    await expectRefusal(t, post({ value: '10.1.1' }), 422, ['value.invalid'])
    await expectRefusal(t, post({ scope: 'ip_subnet', value: '10.1.1.1' }), 422, ['value.invalid'])
    await expectRefusal(t, post({ scope: 'planet' }), 422, ['admin.restriction.invalid_scope'])
    await expectRefusal(t, post({ category: 'greylist' }), 422, ['admin.restriction.invalid_category'])
    await expectRefusal(t, post({ state: 'on' }), 422, ['admin.restriction.invalid_state'])
    await expectRefusal(t, () => root.client.get(`${RESTRICTIONS}?range=deleted`), 422, ['admin.restriction.invalid_range'])
    await expectRefusal(t, () => root.client.request('PUT', RESTRICTIONS, { id: 999999, state: 'enabled' }), 404, ['admin.restriction.doesnt_exist'])
    const [subnet] = await t.deps.db.select().from(restrictions).where(eq(restrictions.value, '164.116.47.0/24'))
    await expectRefusal(t, () => root.client.request('PUT', RESTRICTIONS, { id: subnet!.id, value: '164.116.47.1' }), 422, ['value.invalid'])
  })

  it('a whitelink token lets a visitor whitelist their IP once; expire_time and range are checked', async () => {
    const technical = await staff(t, 'technical')
    // technical manages restrictions in the table; give it the path at the gate as Barong 2.6's seeds do.
    const { addPermission } = await import('../helpers/gateway.ts')
    await addPermission(t, { role: 'technical', verb: 'all', path: 'api/v2/barong/admin/restrictions', action: 'accept' })
    const res = await technical.client.post(`${RESTRICTIONS}/whitelink`, { expire_time: 2, range: 'hour' })
    expect(res.status, await res.clone().text()).toBe(201)
    const { whitelink_token } = await res.json()
    expect(whitelink_token).toMatch(/^[0-9a-f]{64}$/)
    const visitor = new Client(t, '10.55.0.9')
    expect((await visitor.post(`${ID}/users/access`, { whitelink_token })).status).toBe(201)
    expect(await t.deps.db.select().from(restrictions).where(eq(restrictions.value, '10.55.0.9'))).toMatchObject([{ category: 'whitelist', scope: 'ip' }])
    await expectRefusal(t, () => technical.client.post(`${RESTRICTIONS}/whitelink`, { expire_time: 31 }), 422, ['invalid_expire'])
    await expectRefusal(t, () => technical.client.post(`${RESTRICTIONS}/whitelink`, { range: 'week' }), 422, ['invalid_range'])
    const accountant = await staff(t, 'accountant')
    await addPermission(t, { role: 'accountant', verb: 'all', path: 'api/v2/barong/admin/restrictions', action: 'accept' })
    await expectRefusal(t, () => accountant.client.post(`${RESTRICTIONS}/whitelink`, {}), 403, ['admin.ability.not_permitted'])
  })
})

describe('levels and metrics', () => {
  it('levels: every level, unpaginated', async () => {
    const support = await staff(t, 'support')
    const { addPermission } = await import('../helpers/gateway.ts')
    await addPermission(t, { role: 'support', verb: 'get', path: 'api/v2/barong/admin/levels', action: 'accept' })
    const res = await support.client.get(`${ADMIN}/levels`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual([
      { id: 1, key: 'email', value: 'verified' },
      { id: 2, key: 'phone', value: 'verified' },
      { id: 3, key: 'document', value: 'verified' },
    ])
  })

  it('metrics: sign-ups and logins per UTC day, pending applications; a period narrows it; bad dates refused', async () => {
    const fresh = await adminApp()
    try {
      const root = await staff(fresh, 'superadmin')
      const user = await staff(fresh)
      await new Client(fresh).post(`${ID}/sessions`, { email: user.email, password: 'wrong-password-1A!' })
      const { labels } = await import('../../src/storage/schema/index.ts')
      await fresh.deps.db.insert(labels).values({ userId: user.id, key: 'document', value: 'pending', scope: 'private' })
      const today = new Date().toISOString().slice(0, 10)
      const res = await root.client.get(`${ADMIN}/metrics`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ signups: { [today]: 2 }, sucessful_logins: {}, failed_logins: { [today]: 1 }, pending_applications: 1 })
      const later = await root.client.get(`${ADMIN}/metrics?created_from=${Math.floor(Date.now() / 1000) + 3600}`)
      expect(await later.json()).toEqual({ signups: {}, sucessful_logins: {}, failed_logins: {}, pending_applications: 1 })
      const bad = await root.client.get(`${ADMIN}/metrics?created_to=yesterday`)
      expect(bad.status).toBe(422)
      expect(await bad.json()).toEqual({ errors: ['admin.metrics.invalid_created_to'] })
    } finally {
      await fresh.close()
    }
  })
})
