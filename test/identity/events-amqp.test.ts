import net from 'node:net'
import { connect, type Channel, type ChannelModel } from 'amqplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyEvent, type GeneralJws } from '../../src/events/sign.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { Client, ID, register, seedDefaults, uniqueEmail } from '../helpers/http.ts'
import { startProxy } from '../helpers/tcp-proxy.ts'

const rabbitUp = await new Promise<boolean>((resolve) => {
  const s = net.connect(5672, '127.0.0.1')
  s.once('connect', () => (s.destroy(), resolve(true)))
  s.once('error', () => resolve(false))
})

let t: TestApp
let proxy: Awaited<ReturnType<typeof startProxy>>
let conn: ChannelModel
let ch: Channel
let queue: string

beforeAll(async () => {
  if (!rabbitUp) return
  proxy = await startProxy(5672)
  t = await createTestApp({ BARONG_EVENT_API: `amqp://guest:guest@127.0.0.1:${proxy.port}` })
  await seedDefaults(t)
  conn = await connect('amqp://guest:guest@127.0.0.1:5672')
  ch = await conn.createChannel()
  await ch.assertExchange('barong.events.system', 'direct', { durable: true })
  ;({ queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true }))
  await ch.bindQueue(queue, 'barong.events.system', 'user.email.confirmation.token')
})
afterAll(async () => {
  await conn?.close().catch(() => {})
  await t?.close()
  await proxy?.cut().catch(() => {})
})

/** Confirmation events for these addresses, as a mailer bound to the exchange would receive them. */
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
    const event = claims?.event as { record?: { user?: { email?: string } }; token?: string } | undefined
    const email = event?.record?.user?.email
    if (!email || !emails.includes(email)) continue
    got.set(email, [...(got.get(email) ?? []), String(event?.token)])
    if (emails.every((e) => got.has(e)) && !quietUntil) quietUntil = Date.now() + 500
  }
  return got
}

describe.skipIf(!rabbitUp)('events through RabbitMQ', () => {
  it('the confirmation token reaches a queue bound to barong.events.system, and it confirms', async () => {
    const email = uniqueEmail('amqp')
    await register(t, email)
    t.deps.relay.kick()
    const tokens = await receive([email])
    expect(tokens.get(email)).toHaveLength(1)
    const res = await new Client(t).post(`${ID}/users/email/confirm_code`, { token: tokens.get(email)![0] })
    expect(res.status).toBe(201)
    expect((await res.json()).state).toBe('active')
  })

  it('with the broker away sign-ups still succeed; their events arrive once it is back, none lost, none twice', async () => {
    await proxy.cut()
    const emails = [uniqueEmail('down'), uniqueEmail('down'), uniqueEmail('down')]
    for (const email of emails) expect((await register(t, email)).res.status).toBe(201)
    t.deps.relay.kick()
    await new Promise((r) => setTimeout(r, 1500))
    expect((await receive(emails, 500)).size).toBe(0)
    await proxy.restore()
    const got = await receive(emails, 40_000)
    for (const email of emails) expect(got.get(email)).toHaveLength(1)
  })
})
