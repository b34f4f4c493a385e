import { execFileSync } from 'node:child_process'
import { request } from 'node:http'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { announce } from '../../src/accounts/invalidation.ts'
import { createRedisStore } from '../../src/cache/redis-store.ts'
import type { Store } from '../../src/cache/store.ts'
import { openDb, type DbHandle } from '../../src/storage/db.ts'
import { permissions, users } from '../../src/storage/schema/index.ts'
import { usingRealServers } from '../helpers/app.ts'
import { LIVE_UA, pollUntil, seededBackend, signUp, type Backend } from '../helpers/live.ts'
import { runNode, startServer, ROOT, type RunningServer } from '../helpers/spawn.ts'

// BARONG_WORKERS=2: two processes behind one listening socket, each with its own caches and replica. A change
// made through one must reach the other as it reaches another host's instance.
const real = usingRealServers && !!process.env.REDIS_URL
const ME = '/api/v2/auth/api/v2/barong/resource/users/me'

/** One GET on a connection of its own, so the primary hands it to the next worker in turn. */
function getFresh(base: string, path: string, cookie: string, requestId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent: false, headers: { 'User-Agent': LIVE_UA, Cookie: cookie, 'X-Request-Id': requestId } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

/** The workers that logged the requests whose id starts with `prefix` (pino writes asynchronously: waited for). */
const loggedBy = async (server: RunningServer, prefix: string, expected: number[]) =>
  (await pollUntil(async () => workersOf(server.output(), prefix), (seen) => expected.every((w) => seen.has(w)), 3000, 50)).value

/** The workers that logged the requests whose id starts with `prefix`. */
function workersOf(output: string, prefix: string): Set<number> {
  const seen = new Set<number>()
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue
    const rec = JSON.parse(line) as { requestId?: string; worker?: number }
    if (rec.requestId?.startsWith(prefix) && rec.worker !== undefined) seen.add(rec.worker)
  }
  return seen
}

describe('BARONG_WORKERS=2', () => {
  let backend: Backend | undefined
  let server: RunningServer | undefined
  let handle: DbHandle | undefined
  let store: Store | undefined

  beforeAll(async () => {
    if (!real) return
    // The periodic version check is far slower than the 1 s asserted below: only the message counts.
    backend = await seededBackend({ BARONG_RULES_REFRESH_INTERVAL: '30' })
    server = await startServer({ ...backend.env, BARONG_WORKERS: '2', LOG_LEVEL: 'info' })
    await pollUntil(async () => server!.output(), (o) => o.includes('workers started') && (o.match(/"msg":"listening"/g) ?? []).length === 2, 30_000)
    handle = await openDb({ url: backend.dbUrl!, dataDir: '/nonexistent', poolSize: 2 })
    store = await createRedisStore({ url: process.env.REDIS_URL!, keyPrefix: backend.prefix })
  }, 120_000)

  afterAll(async () => {
    await server?.stop()
    await store?.close()
    await handle?.close()
    await backend?.cleanup()
  })

  it.skipIf(!real)('a DROP made through the admin API reaches both processes within 1 s, and its removal too', async () => {
    const root = await signUp(server!.base)
    const member = await signUp(server!.base)
    await handle!.db.update(users).set({ role: 'superadmin', state: 'active' }).where(eq(users.uid, root.uid))
    await announce(store!, 'users', root.uid)
    // Both workers have decided for this member (and hold its session in their replicas).
    const warm = await Promise.all(Array.from({ length: 8 }, (_, i) => getFresh(server!.base, ME, member.cookie, `warm-${i}`)))
    expect(warm).toEqual(Array(8).fill(200))
    expect(await loggedBy(server!, 'warm-', [1, 2])).toEqual(new Set([1, 2]))

    const admin = (method: string, body: unknown) =>
      fetch(`${server!.base}/api/v2/barong/admin/permissions`, {
        method,
        headers: { 'User-Agent': LIVE_UA, Cookie: root.cookie, 'X-CSRF-Token': root.csrf, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    let round = 0
    const everyWorker = (expected: number, tag: string) =>
      pollUntil(
        async () => {
          round++
          return Promise.all(Array.from({ length: 6 }, (_, i) => getFresh(server!.base, ME, member.cookie, `${tag}-${round}-${i}`)))
        },
        (statuses) => statuses.every((s) => s === expected),
        2000,
        20,
      )

    let start = performance.now()
    const created = await admin('POST', { role: 'member', verb: 'get', path: 'api/v2/barong/resource/users', action: 'drop' })
    expect(created.status, await created.clone().text()).toBe(200)
    const denied = await everyWorker(401, 'denied')
    expect(denied.ok).toBe(true)
    expect(performance.now() - start).toBeLessThan(1000)
    expect(await loggedBy(server!, `denied-${round}-`, [1, 2])).toEqual(new Set([1, 2]))

    const [row] = await handle!.db.select({ id: permissions.id }).from(permissions).where(and(eq(permissions.path, 'api/v2/barong/resource/users'), eq(permissions.action, 'DROP')))
    const id = row!.id
    start = performance.now()
    expect((await admin('DELETE', { id })).status).toBe(200)
    const allowed = await everyWorker(200, 'allowed')
    expect(allowed.ok).toBe(true)
    expect(performance.now() - start).toBeLessThan(1000)
    expect(await loggedBy(server!, `allowed-${round}-`, [1, 2])).toEqual(new Set([1, 2]))
  })

  it.skipIf(!real)('/metrics adds up both workers', async () => {
    const before = await fetch(`${server!.base}/metrics`).then((r) => r.text())
    const count = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith('barong_authz_decisions_total{'))
        .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0)
    await Promise.all(Array.from({ length: 10 }, (_, i) => getFresh(server!.base, '/api/v2/auth/api/v2/barong/resource/users/me', 'x=1', `m-${i}`)))
    expect(await loggedBy(server!, 'm-', [1, 2])).toEqual(new Set([1, 2]))
    const after = await fetch(`${server!.base}/metrics`).then((r) => r.text())
    expect(count(after) - count(before)).toBe(10)
    expect(after).toMatch(/^barong_database_up 1$/m)
  })

  it.skipIf(!real)('a worker that dies is replaced, and the socket keeps serving meanwhile', async () => {
    const workers = () => execFileSync('pgrep', ['-P', String(server!.child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number)
    const [victim] = workers()
    process.kill(victim!, 'SIGKILL')
    const replaced = await pollUntil(async () => workers(), (pids) => pids.length === 2 && !pids.includes(victim!), 10_000, 100)
    expect(replaced.ok).toBe(true)
    expect((await pollUntil(async () => server!.output(), (o) => o.includes('worker exited: starting another'), 5_000)).ok).toBe(true)
    await pollUntil(async () => (server!.output().match(/"msg":"listening"/g) ?? []).length, (n) => n === 3, 10_000)
    const statuses = await Promise.all(Array.from({ length: 6 }, (_, i) => getFresh(server!.base, '/api/v2/barong/public/ping', '', `after-${i}`)))
    expect(statuses).toEqual(Array(6).fill(200))
  }, 30_000)

  it.skipIf(!real)('SIGTERM drains both workers and the primary exits 0', async () => {
    expect(await server!.stop('SIGTERM')).toBe(0)
    const out = server!.output()
    // Both workers and the primary say so, each line written out before its process exits.
    expect((out.match(/"msg":"stopped"/g) ?? []).length).toBe(3)
  })

  it('more than one worker on the embedded default is refused at start, naming the variable', async () => {
    const res = await runNode(['--import', 'tsx', `${ROOT}src/main.ts`], { BARONG_WORKERS: '2', DATA_DIR: '/nonexistent' }, 30_000)
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('BARONG_WORKERS=2 needs DATABASE_URL and REDIS_URL')
  })
})
