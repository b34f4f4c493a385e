import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRedisStore } from '../../src/cache/redis-store.ts'
import type { Store } from '../../src/cache/store.ts'
import { usingRealServers } from '../helpers/app.ts'
import { pollUntil } from '../helpers/live.ts'
import { haveRedisServer, REDIS_SERVER } from '../helpers/redis-cluster.ts'
import { freePort } from '../helpers/spawn.ts'

// The store through Redis Sentinel (REDIS_SENTINELS): a master, a replica and one sentinel on loopback. When the
// master dies, the sentinel promotes the replica and the store follows it, failing closed in between.
const enabled = usingRealServers && haveRedisServer

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })

describe.skipIf(!enabled)('Redis Sentinel', () => {
  const children: ChildProcess[] = []
  let dir = ''
  let master: ChildProcess
  let masterPort = 0
  let store: Store

  const start = async (args: string[], port: number) => {
    const child = spawn(REDIS_SERVER, args, { stdio: 'ignore' })
    children.push(child)
    const up = await pollUntil(() => portOpen(port), (open) => open, 10_000, 50)
    if (!up.ok) throw new Error(`redis on ${port} did not start`)
    return child
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'barong-sentinel-'))
    const [m, r, s] = [await freePort(), await freePort(), await freePort()]
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
    masterPort = m
    master = await start(['--port', String(m), ...common], m)
    await start(['--port', String(r), '--replicaof', '127.0.0.1', String(m), ...common], r)
    writeFileSync(
      join(dir, 'sentinel.conf'),
      [`port ${s}`, 'bind 127.0.0.1', `sentinel monitor barong 127.0.0.1 ${m} 1`, 'sentinel down-after-milliseconds barong 1000', 'sentinel failover-timeout barong 5000'].join('\n') + '\n',
    )
    await start([join(dir, 'sentinel.conf'), '--sentinel'], s)
    // The replica has finished its first sync (on a loaded machine that takes a while).
    const direct = new Redis({ port: m, host: '127.0.0.1' })
    const synced = await pollUntil(() => direct.info('replication'), (info) => /slave0:.*state=online/.test(info), 30_000, 100)
    direct.disconnect()
    if (!synced.ok) throw new Error(`the replica did not sync: ${synced.value}`)
    // The URL's host is not used with sentinels: only its database number (and password, when set).
    store = await createRedisStore({ url: 'redis://sentinel-managed/2', keyPrefix: 'sentinel-test:', sentinel: { name: 'barong', sentinels: [{ host: '127.0.0.1', port: s }] } })
  }, 60_000)

  afterAll(async () => {
    await store?.close()
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('reads and writes go to the master the sentinel names, then to the replica it promotes when the master dies', async () => {
    await store.set('k', 'before', 60_000)
    expect(await store.get('k')).toBe('before')
    expect(await store.setIfAbsent('nonce', '1', 60_000)).toBe(true)
    // Replication is asynchronous: wait until the replica has these writes, then take the master away.
    const direct = new Redis({ port: masterPort, host: '127.0.0.1' })
    expect(await direct.wait(1, 15_000)).toBe(1)
    direct.disconnect()
    master.kill('SIGKILL')
    // Fail closed while no master answers; then the promoted replica serves, with what it had copied.
    const after = await pollUntil(
      () => store.get('k').then((v) => v, () => 'unavailable'),
      (v) => v === 'before',
      20_000,
      200,
    )
    expect(after.value).toBe('before')
    await store.set('k', 'after', 60_000)
    expect(await store.get('k')).toBe('after')
    expect(await store.setIfAbsent('nonce', '1', 60_000)).toBe(false)
  }, 40_000)
})
