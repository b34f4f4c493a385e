import { and, gt, isNull } from 'drizzle-orm'
import { connect, type Channel, type ChannelModel } from 'amqplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BARONG_EXCHANGE_OPTIONS } from '../../src/events/amqp-sink.ts'
import { verifyEvent, type GeneralJws } from '../../src/events/sign.ts'
import { eventOutbox } from '../../src/storage/schema/index.ts'
import { RABBIT, declareBarongExchanges, declares, rabbitAvailable } from '../helpers/amqp.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { Client, ID, register, seedDefaults, uniqueEmail } from '../helpers/http.ts'
import { pollUntil } from '../helpers/live.ts'
import { startProxy } from '../helpers/tcp-proxy.ts'

const rabbitUp = await rabbitAvailable()

let t: TestApp
let proxy: Awaited<ReturnType<typeof startProxy>>
let conn: ChannelModel
let ch: Channel
let queue: string
let channelClosed = false

beforeAll(async () => {
  if (!rabbitUp) return
  // The consumer comes first and declares the exchanges as Barong's mailer does; the relay must fit in.
  conn = await connect(RABBIT)
  ch = await conn.createChannel()
  ch.on('close', () => (channelClosed = true))
  await declareBarongExchanges(conn, ch)
  ;({ queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true }))
  await ch.bindQueue(queue, 'barong.events.system', 'user.email.confirmation.token')
  proxy = await startProxy(5672)
  t = await createTestApp({ BARONG_EVENT_API: `amqp://guest:guest@127.0.0.1:${proxy.port}` })
  await seedDefaults(t)
})
afterAll(async () => {
  await conn?.close().catch(() => {})
  await t?.close()
  await proxy?.cut().catch(() => {})
})

/** Confirmation tokens for these addresses, read from `record.token` as Barong's mailer reads them. */
async function receive(emails: string[], timeoutMs = 20_000): Promise<Map<string, string[]>> {
  const got = new Map<string, string[]>()
  const deadline = Date.now() + timeoutMs
  let quietUntil = 0
  while (Date.now() < deadline && (emails.some((e) => !got.has(e)) || Date.now() < quietUntil)) {
    const m = await ch.get(queue, { noAck: true })
    if (!m) {
      await new Promise((r) => setTimeout(r, 25))
      continue
    }
    const jws = JSON.parse(m.content.toString()) as GeneralJws
    const claims = await verifyEvent(jws, t.deps.keys.publicKey, { nowSec: t.clock.now() / 1000 }).catch(() => null)
    const event = claims?.event as { record?: { user?: { email?: string }; token?: unknown } } | undefined
    const email = event?.record?.user?.email
    if (!email || !emails.includes(email)) continue
    got.set(email, [...(got.get(email) ?? []), String(event?.record?.token)])
    if (emails.every((e) => got.has(e)) && !quietUntil) quietUntil = Date.now() + 500
  }
  return got
}

describe.skipIf(!rabbitUp)('events through RabbitMQ', () => {
  it('a consumer bound to barong.events.system reads the confirmation token from record.token, and it confirms', async () => {
    const email = uniqueEmail('amqp')
    await register(t, email)
    t.deps.relay.kick()
    const tokens = await receive([email])
    expect(tokens.get(email)).toHaveLength(1)
    const res = await new Client(t).post(`${ID}/users/email/confirm_code`, { token: tokens.get(email)![0] })
    expect(res.status).toBe(201)
    expect((await res.json()).state).toBe('active')
  })

  it('the relay declares the exchanges as Barong does: the mailer keeps its channel, a durable declaration is refused', async () => {
    // The relay has declared both exchanges on its connection by now (the sign-up above sent both kinds).
    expect(await pollUntil(async () => (await t.deps.db.select().from(eventOutbox).where(isNull(eventOutbox.sentAt))).length, (n) => n === 0, 10_000)).toMatchObject({ ok: true })
    expect(channelClosed).toBe(false)
    for (const name of ['barong.events.system', 'barong.events.model']) {
      expect(await declares(conn, name, BARONG_EXCHANGE_OPTIONS)).toBe(true)
      expect(await declares(conn, name, { durable: true })).toBe(false)
    }
  })

  it('with the broker away sign-ups still succeed; their events arrive once it is back, none lost, none twice', async () => {
    await proxy.cut()
    const emails = [uniqueEmail('down'), uniqueEmail('down'), uniqueEmail('down')]
    for (const email of emails) expect((await register(t, email)).res.status).toBe(201)
    t.deps.relay.kick()
    // The relay has tried and failed (the oldest unsent row counts the attempt), and nothing got through.
    const tried = await pollUntil(
      () => t.deps.db.select().from(eventOutbox).where(and(isNull(eventOutbox.sentAt), gt(eventOutbox.attempts, 0))),
      (rows) => rows.length > 0,
      10_000,
    )
    expect(tried.ok).toBe(true)
    expect((await receive(emails, 300)).size).toBe(0)
    await proxy.restore()
    // Reconnecting, the relay declares the exchanges again, against the consumer's declaration.
    const got = await receive(emails, 40_000)
    for (const email of emails) expect(got.get(email)).toHaveLength(1)
    expect(channelClosed).toBe(false)
  })
})
