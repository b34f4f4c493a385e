import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { Client, ID, STRONG, register, seedDefaults, uniqueEmail } from '../helpers/http.ts'
import { AUTH, addRestriction, clearRestrictions } from '../helpers/gateway.ts'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
  await seedDefaults(t)
  await clearRestrictions(t)
})
afterAll(async () => t?.close())
afterEach(async () => clearRestrictions(t))

const PING = `${AUTH}/api/v2/barong/public/ping`
const from = (ip: string, path = PING) => t.request(path, { headers: { 'X-Forwarded-For': ip } })
const expectDenied = async (res: Response, status: number, key: string) => {
  expect(res.status).toBe(status)
  expect((await res.json()).errors).toEqual([key])
}

describe('restrictions apply to every path, public ones included', () => {
  it('maintenance on all → 471', async () => {
    await addRestriction(t, { category: 'maintenance', scope: 'all', value: 'all' })
    await expectDenied(await from('8.8.8.8'), 471, 'authz.restrict.maintenance')
  })

  it('a whitelisted IP passes maintenance and blacklists', async () => {
    await addRestriction(t, { category: 'maintenance', scope: 'all', value: 'all' })
    await addRestriction(t, { category: 'blacklist', scope: 'ip', value: '8.8.8.8' })
    await addRestriction(t, { category: 'whitelist', scope: 'ip', value: '8.8.8.8' })
    expect((await from('8.8.8.8')).status).toBe(200)
    await expectDenied(await from('8.8.4.4'), 471, 'authz.restrict.maintenance')
  })

  it.each([
    [{ scope: 'ip', value: '8.8.8.8' }, 401],
    [{ scope: 'ip', value: '8.8.8.8', code: 433 }, 433],
    [{ scope: 'ip_subnet', value: '8.8.8.0/24' }, 403],
    [{ scope: 'country', value: 'US' }, 423],
    [{ scope: 'country', value: 'USA' }, 423],
    [{ scope: 'country', value: 'united states' }, 423],
    [{ scope: 'continent', value: 'NA' }, 423],
    [{ scope: 'continent', value: 'North America' }, 423],
    [{ scope: 'all', value: 'all' }, 401],
  ])('blacklist %j → %i', async (r, status) => {
    await addRestriction(t, { category: 'blacklist', ...r })
    await expectDenied(await from('8.8.8.8'), status, 'authz.restrict.blacklist')
    if (r.scope !== 'all') expect((await from('193.0.6.139')).status).toBe(200)
  })

  it('disabled rows are ignored', async () => {
    await addRestriction(t, { category: 'blacklist', scope: 'ip', value: '8.8.8.8', state: 'disabled' })
    expect((await from('8.8.8.8')).status).toBe(200)
  })

  it('the built-in API is restricted the same way', async () => {
    await addRestriction(t, { category: 'blacklist', scope: 'country', value: 'NL' })
    await expectDenied(await t.request(`${ID}/ping`, { headers: { 'X-Forwarded-For': '193.0.6.139' } }), 423, 'authz.restrict.blacklist')
  })

  it('blocklogin refuses only sign-in', async () => {
    await addRestriction(t, { category: 'blocklogin', scope: 'ip', value: '8.8.8.8' })
    await expectDenied(await from('8.8.8.8', `${AUTH}/api/v2/barong/identity/sessions`), 401, 'authz.restrict.blocklogin')
    expect((await from('8.8.8.8')).status).toBe(200)
    const c = new Client(t, '8.8.8.8')
    await expectDenied(await c.post(`${ID}/sessions`, { email: uniqueEmail(), password: STRONG }), 401, 'authz.restrict.blocklogin')
  })

  it('/identity/users/access is exempt and whitelists the caller with a whitelink token', async () => {
    await addRestriction(t, { category: 'maintenance', scope: 'all', value: 'all' })
    const { createHash } = await import('node:crypto')
    const token = 'a'.repeat(64)
    await t.deps.store.set(`whitelink:${createHash('sha256').update(token).digest('hex')}`, 'active', 60_000)
    const c = new Client(t, '9.9.9.9')
    const bad = await c.post(`${ID}/users/access`, { whitelink_token: 'b'.repeat(64) })
    await expectDenied(bad, 422, 'identity.user.access.invalid_token')
    const ok = await c.post(`${ID}/users/access`, { whitelink_token: token })
    expect(ok.status).toBe(201)
    expect((await c.post(`${ID}/users/access`, { whitelink_token: token })).status).toBe(422)
    await t.deps.authzCache.load()
    expect((await from('9.9.9.9')).status).toBe(200)
    await expectDenied(await from('9.9.9.8'), 471, 'authz.restrict.maintenance')
  })

  it('nginx mode answers 403 for statuses nginx cannot pass on; the body keeps the key', async () => {
    const nginx = await createTestApp({ BARONG_AUTHZ_STATUS: 'nginx' })
    try {
      await addRestriction(nginx, { category: 'maintenance', scope: 'all', value: 'all' })
      const res = await nginx.request(PING, { headers: { 'X-Forwarded-For': '8.8.8.8' } })
      expect(res.status).toBe(403)
      expect((await res.json()).errors).toEqual(['authz.restrict.maintenance'])
    } finally {
      await nginx.close()
    }
  })
})

describe('audit trail', () => {
  it('denied decisions and AUDIT-matched writes become admin activities', async () => {
    const { client, body } = await register(t)
    const denied = await client.get(`${AUTH}/api/v2/barong/admin/users?uid=${body.uid}`)
    expect(denied.status).toBe(401)
    const { setUser } = await import('../helpers/gateway.ts')
    await setUser(t, body.uid, { role: 'admin', state: 'active' })
    const audited = await client.post(`${AUTH}/api/v2/barong/admin/users/update?uid=${body.uid}`)
    expect(audited.status).toBe(200)
    const head = await client.request('HEAD', `${AUTH}/api/v2/barong/admin/users`)
    expect(head.status).toBe(200)
    await t.deps.audit.flush()
    const { activities } = await import('../../src/storage/schema/index.ts')
    const { eq } = await import('drizzle-orm')
    const rows = await t.deps.db.select().from(activities).where(eq(activities.category, 'admin'))
    const mine = rows.filter((r) => r.targetUid === body.uid)
    expect(mine.map((r) => [r.topic, r.action, r.result])).toEqual([
      ['users', 'read', 'denied'],
      ['users', 'create', 'succeed'],
    ])
    expect(JSON.parse(mine[0]!.data!)).toMatchObject({ uid: body.uid, path: 'api/v2/barong/admin/users' })
  })

  it('a flood of identical denials becomes a few rows whose counts add up; other paths stay rows of their own', async () => {
    const { client, body } = await register(t)
    await t.deps.audit.flush()
    const answers = await Promise.all(Array.from({ length: 120 }, () => client.get(`${AUTH}/api/v2/barong/admin/users?uid=${body.uid}`)))
    expect(answers.every((a) => a.status === 401)).toBe(true)
    expect((await client.get(`${AUTH}/api/v2/barong/admin/permissions?uid=${body.uid}`)).status).toBe(401)
    await t.deps.audit.flush()
    const { activities } = await import('../../src/storage/schema/index.ts')
    const { and, eq } = await import('drizzle-orm')
    const rows = await t.deps.db.select().from(activities).where(and(eq(activities.category, 'admin'), eq(activities.targetUid, body.uid)))
    const users = rows.filter((r) => r.topic === 'users')
    expect(users.length).toBeLessThan(10)
    expect(users.reduce((n, r) => n + ((JSON.parse(r.data!) as { count?: number }).count ?? 1), 0)).toBe(120)
    expect(rows.filter((r) => r.topic === 'permissions')).toHaveLength(1)
    expect(JSON.parse(rows.find((r) => r.topic === 'permissions')!.data!).count).toBeUndefined()
  })
})
