import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib'
import type { Logger } from 'pino'
import type { SigningKeys } from '../crypto/keys.ts'
import type { Clock } from '../clock.ts'
import { signEvent } from './sign.ts'
import type { EventSink } from './event-sink.ts'

export interface AmqpSinkOptions {
  /** Bound on TCP connect + AMQP handshake + channel open. */
  connectTimeoutMs?: number
  /** Bound on waiting for the broker's confirm of one message. */
  confirmTimeoutMs?: number
}

interface Link {
  conn: ChannelModel
  ch: ConfirmChannel
  /** Exchanges asserted on this channel; a new connection asserts them again. */
  asserted: Set<string>
}

/**
 * Publishes signed events to RabbitMQ on a confirm channel. No reconnect loop of its own: a failed
 * publish rejects and the relay retries with backoff, so the broker being away never hangs a caller
 * and every message counts as sent only once the broker has confirmed it.
 */
export function createAmqpSink(url: string, keys: SigningKeys, clock: Clock, logger: Logger, opts: AmqpSinkOptions = {}): EventSink {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 2000
  const confirmTimeoutMs = opts.confirmTimeoutMs ?? 5000
  let link: Link | null = null
  let connecting: Promise<Link> | null = null
  let closed = false

  // Forget a broken link so the next publish reconnects; closing it quietly frees the socket.
  function drop(l: Link, why: string): void {
    if (link !== l) return
    link = null
    logger.warn({ reason: why }, 'event broker connection lost')
    l.conn.close().catch(() => {})
  }

  async function open(): Promise<Link> {
    // `timeout` is amqplib's socket timeout, active until the AMQP handshake completes.
    const conn = await connect(url, { timeout: connectTimeoutMs })
    // Listeners from the start: an 'error' emitted with none would crash the process.
    let l: Link | undefined
    conn.on('error', (err: Error) => l && drop(l, err.message))
    conn.on('close', () => l && drop(l, 'connection closed'))
    try {
      const ch = await conn.createConfirmChannel()
      const link: Link = { conn, ch, asserted: new Set() }
      ch.on('error', (err: Error) => drop(link, err.message))
      ch.on('close', () => drop(link, 'channel closed'))
      l = link
      return link
    } catch (err) {
      conn.close().catch(() => {})
      throw err
    }
  }

  function getLink(): Promise<Link> {
    if (closed) return Promise.reject(new Error('event sink closed'))
    if (link) return Promise.resolve(link)
    // One connection attempt at a time, shared by concurrent publishers.
    connecting ??= connectOnce().finally(() => {
      connecting = null
    })
    return connecting
  }

  async function connectOnce(): Promise<Link> {
    const attempt = open()
    let l: Link
    try {
      l = await withTimeout(attempt, connectTimeoutMs + 500, 'connect to event broker timed out')
    } catch (err) {
      // A handshake that completes after we gave up must not leak its connection.
      attempt.then((late) => late.conn.close().catch(() => {}), () => {})
      throw err
    }
    if (closed) {
      l.conn.close().catch(() => {})
      throw new Error('event sink closed')
    }
    link = l
    return l
  }

  async function send(exchange: string, routingKey: string, event: Record<string, unknown>): Promise<() => Promise<void>> {
    // Signed at publish time, as Barong does: `iat`/`exp` count from when the message leaves.
    const body = Buffer.from(JSON.stringify(await signEvent(keys, event, clock.now() / 1000)))
    const l = await getLink()
    let confirmed: Promise<void>
    try {
      if (!l.asserted.has(exchange)) {
        await declareExchange(l.conn, exchange, logger)
        l.asserted.add(exchange)
      }
      confirmed = new Promise<void>((resolve, reject) => {
        l.ch.publish(exchange, routingKey, body, { contentType: 'application/json', persistent: true }, (err: unknown) =>
          err ? reject(err instanceof Error ? err : new Error(`broker nacked the message: ${String(err)}`)) : resolve(),
        )
      })
    } catch (err) {
      drop(l, (err as Error).message)
      throw err
    }
    // Observed now: a confirm failing before anyone awaits it must not be an unhandled rejection.
    confirmed.catch(() => {})
    return async () => {
      try {
        await withTimeout(confirmed, confirmTimeoutMs, 'event broker confirm timed out')
      } catch (err) {
        // The channel's state is unknown after any failure (a closed channel, a lost confirm):
        // start over on a fresh connection rather than publish into it again.
        drop(l, (err as Error).message)
        throw err
      }
    }
  }

  return {
    kind: 'amqp',
    async ready() {
      await getLink()
    },
    send,
    async publish(exchange, routingKey, event) {
      await (await send(exchange, routingKey, event))()
    },
    async close() {
      closed = true
      const l = link ?? (await connecting?.catch(() => null)) ?? null
      link = null
      if (l) await l.conn.close().catch(() => {})
    },
  }
}

/**
 * Declares the exchange exactly as Barong (Bunny's `channel.direct(name)`) and its mailer do: direct,
 * not durable, not auto-deleted. RabbitMQ refuses a declaration that differs from an existing one (406),
 * so anything else would cost Barong's mailer, or this relay, its channel. An exchange already there with
 * other arguments (say, durable, declared by an earlier version) is used as it is, with a warning: events
 * keep flowing. Declared on a channel of its own because a refusal closes the channel it happened on.
 */
async function declareExchange(conn: ChannelModel, exchange: string, logger: Logger): Promise<void> {
  const declare = async (fn: (ch: Channel) => Promise<unknown>) => {
    const ch = await conn.createChannel()
    // A refusal arrives as a rejected call and a channel 'error': the listener keeps the latter harmless.
    ch.on('error', () => {})
    try {
      await fn(ch)
    } finally {
      await ch.close().catch(() => {})
    }
  }
  try {
    await declare((ch) => ch.assertExchange(exchange, 'direct', BARONG_EXCHANGE_OPTIONS))
  } catch (err) {
    if ((err as { code?: unknown }).code !== 406) throw err
    await declare((ch) => ch.checkExchange(exchange))
    logger.warn({ exchange }, 'event exchange exists with other arguments than Barong declares (direct, not durable): used as it is')
  }
}

/** Bunny's defaults for `channel.direct(name)`, which Barong and its mailer use. */
export const BARONG_EXCHANGE_OPTIONS = { durable: false, autoDelete: false, internal: false } as const

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
