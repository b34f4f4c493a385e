import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { Redis } from 'ioredis'
import pino from 'pino'
import { inject } from 'vitest'
import { buildApp, type BuildOptions, type BuiltApp } from '../../src/app.ts'
import { createMemoryStore } from '../../src/cache/memory-store.ts'
import { createRedisStore } from '../../src/cache/redis-store.ts'
import type { Store } from '../../src/cache/store.ts'
import { loadConfig } from '../../src/config/index.ts'
import { closeDeps, createDeps, startDeps, type Clock, type Deps } from '../../src/deps.ts'
import { openDb, type DbHandle } from '../../src/storage/db.ts'
import { generatePrivateKeyPem } from '../../src/crypto/keys.ts'
import { createHttpServer } from '../../src/server.ts'
import type { AddressInfo } from 'node:net'

export const usingRealServers = !!process.env.DATABASE_URL

let counter = 0

// One signing key per test process: RSA generation is slow and not what these tests are about.
let testKeyPem: string | undefined
export function testKey(): string {
  testKeyPem ??= generatePrivateKeyPem(2048)
  return testKeyPem
}
export const TEST_SECRET_KEY = randomBytes(32).toString('hex')

/** A fresh database for this test file: a clone of the run's template, or an in-memory PGlite. */
export async function freshDb(): Promise<{ handle: DbHandle; url: string | undefined; drop: () => Promise<void> }> {
  const template = inject('templateDb')
  const url = process.env.DATABASE_URL
  if (!template || !url) {
    const handle = await openDb({ dataDir: '/nonexistent', memory: true })
    await handle.migrate()
    return { handle, url: undefined, drop: async () => {} }
  }
  const name = `barong_t_${inject('runId')}_${process.pid}_${counter++}`
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`)
  await admin.end()
  const u = new URL(url)
  u.pathname = `/${name}`
  const handle = await openDb({ url: u.toString(), dataDir: '/nonexistent', poolSize: 5 })
  return {
    handle,
    url: u.toString(),
    drop: async () => {
      const a = postgres(url, { max: 1, onnotice: () => {} })
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await a.end()
    },
  }
}

/** A store with a key prefix of its own (never FLUSHALL a shared Redis), or the in-process one. */
export async function freshStore(now?: () => number): Promise<{ store: Store; prefix: string; cleanup: () => Promise<void> }> {
  const url = process.env.REDIS_URL
  const prefix = `test:${inject('runId')}:${randomBytes(4).toString('hex')}:`
  if (!url) return { store: createMemoryStore(now), prefix, cleanup: async () => {} }
  const store = await createRedisStore({ url, keyPrefix: prefix })
  return {
    store,
    prefix,
    cleanup: () => deleteKeysWithPrefix(url, prefix),
  }
}

/** Removes one run's keys from a shared Redis (SCAN by prefix; never FLUSHALL). */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await r.connect()
    let cursor = '0'
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length) await r.del(...keys)
    } while (cursor !== '0')
  } finally {
    r.disconnect()
  }
}

export class TestClock implements Clock {
  constructor(public ms = Date.now()) {}
  now() {
    return this.ms
  }
  advance(ms: number) {
    this.ms += ms
  }
}

export interface TestApp extends BuiltApp {
  deps: Deps
  clock: TestClock
  dataDir: string
  /**
   * A request through what production runs (src/server.ts: the fast path for /api/v2/auth and forwarding, the app
   * for the rest), on a server listening on 127.0.0.1: the peer is the loopback, a trusted proxy by default, as it
   * is for `app.request()`. `path` is normalised as fetch normalises it; raw targets need node:http.
   */
  request(path: string, init?: RequestInit): Promise<Response>
  /** That server's origin (`http://127.0.0.1:<port>`): the service's own origin for `request()`. */
  origin(): Promise<string>
  close(): Promise<void>
}

/** `logger`: to read what the service logs (default: silent). */
export async function createTestApp(env: Record<string, string> = {}, options: BuildOptions = {}, logger: pino.Logger = pino({ level: 'silent' })): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'barong-test-'))
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    BARONG_JWT_PRIVATE_KEY: testKey(),
    BARONG_SECRET_KEY: TEST_SECRET_KEY,
    ...env,
  })
  const clock = new TestClock()
  const db = await freshDb()
  const st = await freshStore(() => clock.now())
  const deps = await createDeps(config, { clock, dbHandle: db.handle, store: st.store, logger })
  await startDeps(deps)
  const built = buildApp(deps, options)
  let listening: Promise<{ base: string; server: import('node:http').Server }> | undefined
  const listen = () =>
    (listening ??= new Promise((resolve, reject) => {
      const { server } = createHttpServer(deps, built.app)
      // Idle connections are the client's to close: with the server's 5 s idle timeout, a loaded machine lets fetch
      // reuse a connection the server is closing (ECONNRESET). Requests themselves are handled as in production.
      server.keepAliveTimeout = 0
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve({ base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }))
    }))
  return {
    ...built,
    deps,
    clock,
    dataDir,
    origin: async () => (await listen()).base,
    async request(path, init) {
      const { base } = await listen()
      return fetch(`${base}${path}`, { redirect: 'manual', ...init })
    },
    async close() {
      if (listening) {
        const { server } = await listening
        server.closeAllConnections()
        await new Promise((r) => server.close(r))
      }
      await closeDeps(deps)
      await st.store.close()
      await st.cleanup()
      await db.handle.close()
      await db.drop()
    },
  }
}

export async function json(res: Response): Promise<any> {
  return res.json()
}
