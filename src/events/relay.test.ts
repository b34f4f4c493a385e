import { RABBIT, declareBarongExchanges, declares, rabbitAvailable } from '../../test/helpers/amqp.ts'
import { pollUntil } from '../../test/helpers/live.ts'
import { startProxy } from '../../test/helpers/tcp-proxy.ts'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { connect, type Channel, type ChannelModel } from 'amqplib'
import { asc, isNull } from 'drizzle-orm'
import pino from 'pino'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestApp, freshDb, usingRealServers, type TestApp } from '../../test/helpers/app.ts'
import { openDb, type Database } from '../storage/db.ts'
import { eventOutbox } from '../storage/schema/index.ts'
import { withTx, type Executor } from '../storage/tx.ts'
import { recordEvent } from './outbox.ts'
import { createRelay } from './relay.ts'
import { verifyEvent, type GeneralJws } from './sign.ts'
import type { EventSink } from './event-sink.ts'
import { createEventSink } from './sinks.ts'

const EXCHANGE = 'barong.events.system'
const KEY = 'user.email.confirmation.token'
const quiet = pino({ level: 'silent' })
// Tokens unique to this run: the broker is shared, so queues are filtered by them.
const run = randomBytes(4).toString('hex')

const rabbitUp = await rabbitAvailable()

let t: TestApp
let dir: string
beforeAll(async () => {
  t = await createTestApp()
  // The app's own relay (sink `none`) would drain the outbox under these tests: they bring their own.
  await t.deps.relay.stop()
  dir = mkdtempSync(join(tmpdir(), 'barong-events-'))
})
afterAll(async () => {
  await t.close()
})
beforeEach(async () => {
  await t.deps.db.delete(eventOutbox)
})

const record = (db: Executor, token: string, email = 'a@b.c') =>
  recordEvent(db, 'system.user.email.confirmation.token', { record: { user: { email }, domain: 'x', token } })

function fileLines(path: string): any[] {
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))
}

const unsent = (db: Database) => db.select().from(eventOutbox).where(isNull(eventOutbox.sentAt)).orderBy(asc(eventOutbox.id))

/** A test queue bound like a Barong consumer's, plus a reader keeping only this run's messages. */
async function bindQueue(): Promise<{ conn: ChannelModel; ch: Channel; read(n: number, prefix: string): Promise<any[]> }> {
  const conn = await connect(RABBIT)
  const ch = await conn.createChannel()
  await declareBarongExchanges(conn, ch)
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true })
  await ch.bindQueue(queue, EXCHANGE, KEY)
  async function read(n: number, prefix: string) {
    const out: any[] = []
    const deadline = Date.now() + 5000
    // Read until n arrived, then a little longer so a duplicate would show up.
    let quietUntil = 0
    while (Date.now() < deadline && (out.length < n || Date.now() < quietUntil)) {
      const m = await ch.get(queue, { noAck: true })
      if (!m) {
        await delay(20)
        continue
      }
      const jws = JSON.parse(m.content.toString()) as GeneralJws
      // Filter before verifying: other test processes sign with other keys.
      const token = String(JSON.parse(Buffer.from(jws.payload, 'base64url').toString()).event?.record?.token)
      if (!token.startsWith(prefix)) continue
      const claims = await verifyEvent(jws, t.deps.keys.publicKey, { nowSec: t.clock.now() / 1000 })
      out.push({ jws, claims, props: m.properties, fields: m.fields })
      if (out.length === n && !quietUntil) quietUntil = Date.now() + 300
    }
    return out
  }
  return { conn, ch, read }
}

describe('event relay: file sink', () => {
  it('writes one line per event in order, unsigned, and marks rows sent', async () => {
    const path = join(dir, 'order', 'events.log')
    const sink = createEventSink(`file:${path}`, t.deps.keys, t.clock, quiet)
    for (const i of [1, 2, 3]) await record(t.deps.db, `T${i}`, `u${i}@b.c`)
    const relay = createRelay({ db: t.deps.db, sink, logger: quiet, clock: t.clock })
    expect(await relay.drain(5000)).toBe(true)

    const lines = fileLines(path)
    expect(lines.map((l) => l.payload.record.token)).toEqual(['T1', 'T2', 'T3'])
    expect(lines[0]).toEqual({
      exchange: EXCHANGE,
      routing_key: KEY,
      payload: { record: { user: { email: 'u1@b.c' }, domain: 'x', token: 'T1' }, name: 'system.user.email.confirmation.token' },
    })
    expect(await unsent(t.deps.db)).toHaveLength(0)
    const rows = await t.deps.db.select().from(eventOutbox)
    expect(rows.every((r) => r.sentAt?.getTime() === t.clock.now())).toBe(true)
  })

  it('a kick wakes an idle loop at once', async () => {
    const path = join(dir, 'kick.log')
    const sink = createEventSink(`file:${path}`, t.deps.keys, t.clock, quiet)
    let idle!: () => void
    const asleep = new Promise<void>((resolve) => (idle = resolve))
    const relay = createRelay({ db: t.deps.db, sink, logger: quiet, clock: t.clock }, { idleMs: 60_000, onIdle: () => idle() })
    relay.start()
    await asleep // the loop has found nothing and sleeps for a minute
    await record(t.deps.db, 'K1')
    relay.kick()
    // Well under the minute: only the kick can have woken it.
    const got = await pollUntil(async () => fileLines(path), (lines) => lines.length > 0, 5000, 10)
    await relay.stop()
    expect(got.value.map((l) => l.payload.record.token)).toEqual(['K1'])
  })

  it('commits kicked within the linger share one batch', async () => {
    const published: string[] = []
    let batches = 0
    const sink: EventSink = {
      kind: 'file',
      async ready() {
        batches++ // asked once per batch that found rows
      },
      async publish(_exchange, _key, event) {
        published.push((event as { record: { token: string } }).record.token)
      },
      async close() {},
    }
    let idle!: () => void
    const asleep = new Promise<void>((resolve) => (idle = resolve))
    const relay = createRelay({ db: t.deps.db, sink, logger: quiet, clock: t.clock }, { idleMs: 60_000, lingerMs: 300, onIdle: () => idle() })
    relay.start()
    await asleep
    await record(t.deps.db, 'L1')
    relay.kick()
    await new Promise((r) => setTimeout(r, 30))
    await record(t.deps.db, 'L2')
    relay.kick()
    const got = await pollUntil(async () => [...published], (p) => p.length === 2, 5000, 10)
    await relay.stop()
    expect(got.value).toEqual(['L1', 'L2'])
    expect(batches).toBe(1)
  })

  // PGlite is one connection: no commit can land while a batch's transaction holds it.
  it.skipIf(!usingRealServers)('a commit kicked while a batch is out is published right after it, not at the next poll', async () => {
    const published: string[] = []
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let holding!: () => void
    const firstOut = new Promise<void>((resolve) => (holding = resolve))
    const sink: EventSink = {
      kind: 'file',
      async publish(_exchange, _key, event) {
        if (published.length === 0) {
          holding()
          await held // the first batch is still out when the second commit kicks
        }
        published.push((event as { record: { token: string } }).record.token)
      },
      async close() {},
    }
    const relay = createRelay({ db: t.deps.db, sink, logger: quiet, clock: t.clock }, { idleMs: 60_000 })
    relay.start()
    await record(t.deps.db, 'B1')
    relay.kick()
    await firstOut
    await record(t.deps.db, 'B2')
    relay.kick()
    release()
    // Well under the minute's poll: the batch that published B1 found fewer rows than a batch, and only the
    // kick made during it can bring B2 out now.
    const got = await pollUntil(async () => [...published], (p) => p.length === 2, 5000, 10)
    await relay.stop()
    expect(got.value).toEqual(['B1', 'B2'])
    expect(await unsent(t.deps.db)).toHaveLength(0)
  })

  it('publishes nothing for a transaction that rolled back', async () => {
    const path = join(dir, 'rollback.log')
    const sink = createEventSink(`file:${path}`, t.deps.keys, t.clock, quiet)
    await expect(
      withTx(t.deps.db, async (tx) => {
        await record(tx, 'R1')
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    const relay = createRelay({ db: t.deps.db, sink, logger: quiet, clock: t.clock })
    expect(await relay.drain(2000)).toBe(true)
    expect(fileLines(path)).toEqual([])
    expect(await t.deps.db.select().from(eventOutbox)).toHaveLength(0)
  })

  it('none: rows are marked sent and the events dropped', async () => {
    await record(t.deps.db, 'N1')
    const relay = createRelay({ db: t.deps.db, sink: createEventSink('none', t.deps.keys, t.clock, quiet), logger: quiet, clock: t.clock })
    expect(await relay.drain(2000)).toBe(true)
    expect(await unsent(t.deps.db)).toHaveLength(0)
  })
})

describe('event relay: RabbitMQ', () => {
  it.skipIf(!rabbitUp)('publishes a Barong-signed JWS to barong.events.system', async () => {
    const q = await bindQueue()
    const sink = createEventSink(RABBIT, t.deps.keys, t.clock, quiet)
    try {
      await record(t.deps.db, `${run}-sig`)
      const relay = createRelay({ db: t.deps.db, sink, logger: quiet, clock: t.clock })
      expect(await relay.drain(5000)).toBe(true)
      const [m, ...rest] = await q.read(1, `${run}-sig`)
      expect(rest).toHaveLength(0)
      expect(m.fields).toMatchObject({ exchange: EXCHANGE, routingKey: KEY })
      expect(m.props).toMatchObject({ contentType: 'application/json', deliveryMode: 2 })
      expect(Object.keys(m.jws).sort()).toEqual(['payload', 'signatures'])
      const sig = m.jws.signatures[0]
      expect(JSON.parse(Buffer.from(sig.protected, 'base64url').toString())).toEqual({ alg: 'RS256' })
      expect(sig.header).toEqual({ kid: 'barong' })
      const c = m.claims
      expect(c.iss).toBe('barong')
      expect(c.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(c.iat).toBe(Math.floor(t.clock.now() / 1000))
      expect(c.exp).toBe(c.iat + 60)
      expect(c.event).toMatchObject({ name: 'system.user.email.confirmation.token', record: { user: { email: 'a@b.c' }, token: `${run}-sig` } })
      expect(await unsent(t.deps.db)).toHaveLength(0)
    } finally {
      await sink.close()
      await q.conn.close()
    }
  })

  it.skipIf(!rabbitUp)('keeps events while the broker is unreachable and delivers each once, in order, when it is back', async () => {
    const q = await bindQueue()
    const proxy = await startProxy()
    const logged: any[] = []
    const logger = pino({ level: 'info' }, { write: (s: string) => void logged.push(JSON.parse(s)) })
    const sink = createEventSink(`amqp://guest:guest@127.0.0.1:${proxy.port}`, t.deps.keys, t.clock, logger)
    const relay = createRelay({ db: t.deps.db, sink, logger, clock: t.clock }, { idleMs: 50, minBackoffMs: 100, maxBackoffMs: 300 })
    const prefix = `${run}-down`
    try {
      // A live connection first, so the cut also exercises dropping a broken one.
      await record(t.deps.db, `${prefix}-0`)
      expect(await relay.drain(5000)).toBe(true)
      await proxy.cut()

      for (const i of [1, 2, 3, 4, 5]) await record(t.deps.db, `${prefix}-${i}`)
      relay.start()
      // Retried with backoff at least twice while the broker is away.
      const { value: rows, ok } = await pollUntil(() => unsent(t.deps.db), (r) => (r[0]?.attempts ?? 0) > 1, 10_000)
      expect(ok).toBe(true)
      expect(rows).toHaveLength(5)
      expect(rows[0]!.attempts).toBeGreaterThan(1)
      expect(rows[0]!.lastError).toBeTruthy()
      expect(rows.slice(1).every((r) => r.attempts === 0)).toBe(true)
      // One log line for the whole streak, not one per retry.
      expect(logged.filter((l) => l.level >= 50)).toHaveLength(1)

      await proxy.restore()
      relay.kick()
      expect(await relay.drain(15_000)).toBe(true)
      const got = await q.read(6, prefix)
      expect(got.map((m) => m.claims.event.record.token)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `${prefix}-${i}`))
      expect(new Set(got.map((m) => m.claims.jti)).size).toBe(6)
      expect(logged.some((l) => l.msg === 'event relay: publishing recovered')).toBe(true)
    } finally {
      await relay.stop()
      await sink.close()
      await proxy.cut()
      await q.conn.close()
    }
  })
})

describe('event sink: exchanges as Barong declares them', () => {
  it.skipIf(!rabbitUp)('declares a direct, non-durable exchange: Barong\'s declaration fits, a durable one is refused', async () => {
    const exchange = `barong.events.test-${run}`
    const sink = createEventSink(RABBIT, t.deps.keys, t.clock, quiet)
    const conn = await connect(RABBIT)
    try {
      await sink.publish(exchange, KEY, { name: 'system.test' })
      expect(await declares(conn, exchange, { durable: false, autoDelete: false })).toBe(true)
      expect(await declares(conn, exchange, { durable: true })).toBe(false)
    } finally {
      await sink.close()
      const ch = await conn.createChannel()
      await ch.deleteExchange(exchange)
      await conn.close()
    }
  })

  it.skipIf(!rabbitUp)('an exchange already declared otherwise (durable, by an older version) is used as it is, with a warning', async () => {
    const exchange = `barong.events.durable-${run}`
    const conn = await connect(RABBIT)
    const ch = await conn.createChannel()
    const logged: any[] = []
    const logger = pino({ level: 'warn' }, { write: (s: string) => void logged.push(JSON.parse(s)) })
    const sink = createEventSink(RABBIT, t.deps.keys, t.clock, logger)
    try {
      await ch.assertExchange(exchange, 'direct', { durable: true })
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true })
      await ch.bindQueue(queue, exchange, KEY)
      await sink.publish(exchange, KEY, { name: 'system.test', record: { token: `${run}-durable` } })
      await sink.publish(exchange, KEY, { name: 'system.test', record: { token: `${run}-durable-2` } })
      const got = await pollUntil(() => ch.get(queue, { noAck: false }), (m) => m !== false, 5000)
      expect(got.ok).toBe(true)
      expect(logged.filter((l) => l.exchange === exchange)).toHaveLength(1)
    } finally {
      await sink.close()
      await ch.deleteExchange(exchange).catch(() => {})
      await conn.close()
    }
  })
})

describe('event relay: two instances', () => {
  it('two relays on one database publish 50 events with no duplicates', async () => {
    const db = await freshDb()
    // With Postgres the second relay gets its own pool, as a second gateway instance would.
    const second = db.url ? await openDb({ url: db.url, dataDir: '/nonexistent', poolSize: 3 }) : db.handle
    try {
      for (let i = 0; i < 50; i++) await record(db.handle.db, `P${String(i).padStart(2, '0')}`)
      // A slow sink keeps each batch's locks held long enough for the two to overlap.
      const slow = (s: EventSink): EventSink => ({
        kind: s.kind,
        close: () => s.close(),
        publish: async (...args) => {
          await delay(3)
          await s.publish(...args)
        },
      })
      const paths = [join(dir, 'two-a.log'), join(dir, 'two-b.log')] as const
      const relays = [db.handle.db, second.db].map((rdb, i) =>
        createRelay({ db: rdb, sink: slow(createEventSink(`file:${paths[i]}`, t.deps.keys, t.clock, quiet)), logger: quiet, clock: t.clock }, { batchSize: 5 }),
      )
      expect(await Promise.all(relays.map((r) => r.drain(20_000)))).toEqual([true, true])

      const [a, b] = paths.map((p) => fileLines(p).map((l) => l.payload.record.token as string))
      const all = [...a!, ...b!]
      expect(all).toHaveLength(50)
      expect(new Set(all).size).toBe(50)
      // Each relay publishes its own rows in id order.
      for (const tokens of [a!, b!]) expect(tokens).toEqual([...tokens].sort())
      if (usingRealServers) expect(a!.length > 0 && b!.length > 0).toBe(true)
      expect(await unsent(db.handle.db)).toHaveLength(0)
    } finally {
      if (second !== db.handle) await second.close()
      await db.handle.close()
      await db.drop()
    }
  })
})
