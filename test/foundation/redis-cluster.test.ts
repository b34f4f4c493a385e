import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore } from '../../src/cache/redis-store.ts'
import type { Store } from '../../src/cache/store.ts'
import { usingRealServers } from '../helpers/app.ts'
import { get, LIVE_UA, seededBackend, signIn, signUp, type Backend } from '../helpers/live.ts'
import { haveRedisServer, startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.ts'
import { startServer, type RunningServer } from '../helpers/spawn.ts'
import { STRONG } from '../helpers/http.ts'

// The store on a three-primary Redis Cluster: every multi-key command split by slot, the answers those of one
// Redis; then the whole service on it.
const enabled = usingRealServers && haveRedisServer
const ME = '/api/v2/auth/api/v2/barong/resource/users/me'

describe.skipIf(!enabled)('Redis Cluster (three primaries on loopback)', () => {
  let cluster: RedisCluster
  let store: Store
  const prefix = 'cluster-test:'

  beforeAll(async () => {
    cluster = await startRedisCluster()
    store = await createRedisStore({ url: cluster.urls.join(','), keyPrefix: prefix })
  }, 60_000)
  afterAll(async () => {
    await store?.close()
    await cluster?.stop()
  })

  it('batched reads and nonce writes of one tick spread over every primary and answer as one Redis would', async () => {
    const n = 300
    await Promise.all(Array.from({ length: n }, (_, i) => store.set(`k:${i}`, `v${i}`, 60_000)))
    const read = await Promise.all(Array.from({ length: n + 1 }, (_, i) => store.get(`k:${i}`)))
    expect(read).toEqual([...Array.from({ length: n }, (_, i) => `v${i}`), null])
    const won = await Promise.all(Array.from({ length: 2 * n }, (_, i) => store.setIfAbsent(`nonce:${i % n}`, '1', 60_000)))
    expect(won.filter(Boolean)).toHaveLength(n)
    // Every primary holds some of them: the keys really crossed slots and nodes.
    for (const port of cluster.ports) {
      const node = new Redis({ port, host: '127.0.0.1', lazyConnect: true })
      await node.connect()
      expect(await node.dbsize()).toBeGreaterThan(0)
      await node.quit()
    }
    expect(await store.del(...Array.from({ length: n }, (_, i) => `k:${i}`), 'k:absent')).toBe(n)
    expect(await store.get('k:7')).toBeNull()
  })

  it('single-key commands, sets and counters', async () => {
    expect(await store.incr('c:1', 10_000)).toBe(1)
    expect(await store.incr('c:1', 10_000)).toBe(2)
    await store.decr('c:1')
    expect(await store.get('c:1')).toBe('1')
    await store.set('once', 'x', 10_000)
    expect(await store.take('once')).toBe('x')
    expect(await store.take('once')).toBeNull()
    expect(await store.setIfPresent('once', 'y', 10_000)).toBe(false)
    await store.sadd('set', 'a', 10_000)
    await store.sadd('set', 'b', 10_000)
    expect((await store.smembers('set')).sort()).toEqual(['a', 'b'])
  })

  it('incrAll and writeAll across slots: one pipeline per slot, answers in the keys\' order', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `ia:${i}`)
    expect(await store.incrAll(keys, 10_000)).toEqual(keys.map(() => 1))
    expect(await store.incrAll([...keys].reverse(), 10_000)).toEqual(keys.map(() => 2))
    await store.writeAll([
      ...keys.map((k) => ({ op: 'decr' as const, key: k })),
      { op: 'set', key: 'wa:s', value: 'v', ttlMs: 10_000 },
      { op: 'sadd', key: 'wa:set', member: 'm', ttlMs: 10_000 },
      { op: 'del', key: 'ia:0' },
    ])
    expect(await Promise.all(keys.map((k) => store.get(k)))).toEqual([null, ...keys.slice(1).map(() => '1')])
    expect(await store.get('wa:s')).toBe('v')
    expect(await store.smembers('wa:set')).toEqual(['m'])
  })

  it('delAndPublish deletes across slots, then the message reaches a subscriber', async () => {
    const heard: string[] = []
    const unsubscribe = await store.subscribe('events', (m) => heard.push(m))
    const doomed = Array.from({ length: 20 }, (_, i) => `s:${i}`)
    await Promise.all(doomed.map((k) => store.set(k, '1', 60_000)))
    await store.sadd('owner', 'x', 60_000)
    await store.sadd('owner', 'keep', 60_000)
    await store.delAndPublish({ del: doomed, srem: { key: 'owner', members: ['x'] }, channel: 'events', message: 'end:all' })
    expect(await Promise.all(doomed.map((k) => store.get(k)))).toEqual(doomed.map(() => null))
    expect(await store.smembers('owner')).toEqual(['keep'])
    for (let i = 0; i < 50 && !heard.length; i++) await new Promise((r) => setTimeout(r, 20))
    expect(heard).toEqual(['end:all'])
    await unsubscribe()
  })

  describe('the service on the Cluster', () => {
    let backend: Backend | undefined
    let server: RunningServer | undefined
    beforeAll(async () => {
      backend = await seededBackend({ REDIS_URL: cluster.urls[0]!, REDIS_CLUSTER: 'true' })
      server = await startServer(backend.env)
    }, 120_000)
    afterAll(async () => {
      await server?.stop()
      await backend?.cleanup()
    })

    it('sign-up, a second sign-in, /api/v2/auth; a password change ends the other session; logout ends this one', async () => {
      const base = server!.base
      const first = await signUp(base)
      expect((await get(`${base}${ME}`, first.cookie)).status).toBe(200)
      const second = (await signIn(base, first.email)).cookie
      expect((await get(`${base}${ME}`, second)).status).toBe(200)

      const changed = await fetch(`${base}/api/v2/barong/resource/users/password`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'User-Agent': LIVE_UA, Cookie: first.cookie, 'X-CSRF-Token': first.csrf },
        body: JSON.stringify({ old_password: STRONG, new_password: `${STRONG}x`, confirm_password: `${STRONG}x` }),
      })
      expect(changed.status, await changed.clone().text()).toBe(201)
      expect((await get(`${base}${ME}`, second)).status).toBe(401)
      expect((await get(`${base}${ME}`, first.cookie)).status).toBe(200)

      const out = await fetch(`${base}/api/v2/barong/identity/sessions`, { method: 'DELETE', headers: { 'User-Agent': LIVE_UA, Cookie: first.cookie, 'X-CSRF-Token': first.csrf } })
      expect(out.status).toBe(200)
      expect((await get(`${base}${ME}`, first.cookie)).status).toBe(401)
    })
  })
})
