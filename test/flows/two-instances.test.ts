import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { announce, bumpVersion } from '../../src/accounts/invalidation.ts'
import { createRedisStore } from '../../src/cache/redis-store.ts'
import type { Store } from '../../src/cache/store.ts'
import { openDb, type DbHandle } from '../../src/storage/db.ts'
import { permissions, users } from '../../src/storage/schema/index.ts'
import type { Tx } from '../../src/storage/tx.ts'
import { usingRealServers } from '../helpers/app.ts'
import { get, LIVE_UA, pollUntil, seededBackend, signUp, type Backend, type LiveSession } from '../helpers/live.ts'
import { startServer, type RunningServer } from '../helpers/spawn.ts'

// Two gateway processes on one Postgres database and one Redis (same key prefix, same keys): what a
// scaled-out deployment runs. Sessions are shared; a permission change made through one instance's
// mechanism (row + version bump + announce) reaches the other within a second.
const real = usingRealServers && !!process.env.REDIS_URL
const ME = '/api/v2/auth/api/v2/barong/resource/users/me'

describe('two gateway instances sharing Postgres and Redis', () => {
  let backend: Backend | undefined
  let a: RunningServer | undefined
  let b: RunningServer | undefined
  let handle: DbHandle | undefined
  let store: Store | undefined
  let session: LiveSession

  beforeAll(async () => {
    if (!real) return
    // The periodic version check is far slower than the 1 s asserted below: only the message counts.
    backend = await seededBackend({ BARONG_RULES_REFRESH_INTERVAL: '30' })
    ;[a, b] = await Promise.all([startServer(backend.env), startServer(backend.env)])
    handle = await openDb({ url: backend.dbUrl!, dataDir: '/nonexistent', poolSize: 2 })
    store = await createRedisStore({ url: process.env.REDIS_URL!, keyPrefix: backend.prefix })
  })

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await store?.close()
    await handle?.close()
    await backend?.cleanup()
  })

  /** What an admin write on instance A does: the row and the version bump in one transaction, then the message. */
  async function changePermissions(fn: (tx: Tx) => Promise<unknown>) {
    await handle!.db.transaction(async (tx) => {
      await fn(tx)
      await bumpVersion(tx, 'permissions', new Date())
    })
    await announce(store!, 'permissions')
  }

  it.skipIf(!real)('a session made on A is accepted by B (and the other way round)', async () => {
    session = await signUp(a!.base)
    const onB = await get(`${b!.base}${ME}`, session.cookie)
    expect(onB.status).toBe(200)
    expect(onB.headers.get('authorization')).toMatch(/^Bearer /)
    const onA = await get(`${a!.base}${ME}`, session.cookie)
    expect(onA.status).toBe(200)
    // Both sign with the same key: one kid in both JWKS.
    const kids = await Promise.all([a!, b!].map(async (s) => (await (await fetch(`${s.base}/.well-known/jwks.json`)).json()).keys[0].kid))
    expect(kids[0]).toBe(kids[1])
  })

  it.skipIf(!real)('a DROP written through A reaches B within 1 s, and its removal too', async () => {
    const drop = and(eq(permissions.role, 'member'), eq(permissions.path, 'api/v2/barong/resource'), eq(permissions.action, 'DROP'))
    const now = new Date()
    let start = performance.now()
    await changePermissions((tx) =>
      tx.insert(permissions).values({ role: 'member', verb: 'ALL', path: 'api/v2/barong/resource', action: 'DROP', createdAt: now, updatedAt: now }),
    )
    const denied = await pollUntil(() => get(`${b!.base}${ME}`, session.cookie), (r) => r.status !== 200, 2000)
    const deniedMs = performance.now() - start
    expect(denied.value.status).toBe(401)
    expect(denied.value.json).toEqual({ errors: ['authz.invalid_permission'] })
    expect(deniedMs).toBeLessThan(1000)
    // A applies it too (its own message).
    expect((await get(`${a!.base}${ME}`, session.cookie)).status).toBe(401)

    start = performance.now()
    await changePermissions((tx) => tx.delete(permissions).where(drop))
    const allowed = await pollUntil(() => get(`${b!.base}${ME}`, session.cookie), (r) => r.status === 200, 2000)
    const allowedMs = performance.now() - start
    expect(allowed.value.status).toBe(200)
    expect(allowed.value.headers.get('authorization')).toMatch(/^Bearer /)
    expect(allowedMs).toBeLessThan(1000)
  })

  it.skipIf(!real)('a ban made through A’s admin API is enforced by B within 1 s', async () => {
    const admin = await signUp(a!.base)
    const victim = await signUp(a!.base)
    await handle!.db.update(users).set({ role: 'superadmin', state: 'active' }).where(eq(users.uid, admin.uid))
    await announce(store!, 'users', admin.uid)
    expect((await get(`${b!.base}${ME}`, victim.cookie)).status).toBe(200)
    const start = performance.now()
    const res = await fetch(`${a!.base}/api/v2/barong/admin/users`, {
      method: 'PUT',
      headers: { 'User-Agent': LIVE_UA, Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf, 'Content-Type': 'application/json' },
      body: JSON.stringify({ uid: victim.uid, state: 'banned' }),
    })
    expect(res.status, await res.clone().text()).toBe(200)
    // On A before the answer returned; on B within a second.
    expect((await get(`${a!.base}${ME}`, victim.cookie)).status).toBe(401)
    const refused = await pollUntil(() => get(`${b!.base}${ME}`, victim.cookie), (r) => r.status !== 200, 2000)
    expect(refused.value.status).toBe(401)
    expect(performance.now() - start).toBeLessThan(1000)
  })

  it.skipIf(!real)('a DROP permission created through A’s admin API is enforced by B within 1 s', async () => {
    const root = await signUp(a!.base)
    const member = await signUp(a!.base)
    await handle!.db.update(users).set({ role: 'superadmin', state: 'active' }).where(eq(users.uid, root.uid))
    await announce(store!, 'users', root.uid)
    const admin = (method: string, body: unknown) =>
      fetch(`${a!.base}/api/v2/barong/admin/permissions`, {
        method,
        headers: { 'User-Agent': LIVE_UA, Cookie: root.cookie, 'X-CSRF-Token': root.csrf, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    expect((await get(`${b!.base}${ME}`, member.cookie)).status).toBe(200)
    const start = performance.now()
    const res = await admin('POST', { role: 'member', verb: 'get', path: 'api/v2/barong/resource/users', action: 'drop' })
    expect(res.status, await res.clone().text()).toBe(200)
    expect((await get(`${a!.base}${ME}`, member.cookie)).status).toBe(401)
    const refused = await pollUntil(() => get(`${b!.base}${ME}`, member.cookie), (r) => r.status !== 200, 2000)
    expect(refused.value.json).toEqual({ errors: ['authz.invalid_permission'] })
    expect(performance.now() - start).toBeLessThan(1000)
    const [row] = await handle!.db.select().from(permissions).where(and(eq(permissions.path, 'api/v2/barong/resource/users'), eq(permissions.action, 'DROP')))
    expect((await admin('DELETE', { id: row!.id })).status).toBe(200)
    expect((await pollUntil(() => get(`${b!.base}${ME}`, member.cookie), (r) => r.status === 200, 2000)).ok).toBe(true)
  })
})
