import net from 'node:net'
import type { Channel, ChannelModel } from 'amqplib'
import { BARONG_EXCHANGE_OPTIONS } from '../../src/events/amqp-sink.ts'

export const RABBIT = 'amqp://guest:guest@127.0.0.1:5672'

export const rabbitAvailable = (port = 5672) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.setTimeout(1000, () => (s.destroy(), resolve(false)))
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })

/** Whether declaring `exchange` with these options is accepted by the broker (false: 406, it exists otherwise). */
export async function declares(conn: ChannelModel, exchange: string, options: Record<string, unknown>): Promise<boolean> {
  const ch = await conn.createChannel()
  ch.on('error', () => {})
  try {
    await ch.assertExchange(exchange, 'direct', options)
    return true
  } catch (err) {
    if ((err as { code?: unknown }).code === 406) return false
    throw err
  } finally {
    await ch.close().catch(() => {})
  }
}

/**
 * Declares Barong's exchanges on `ch` as Barong and its mailer do (Bunny `channel.direct(name)`). An
 * exchange left durable by an older version of the relay is replaced first (once per broker).
 */
export async function declareBarongExchanges(conn: ChannelModel, ch: Channel): Promise<void> {
  for (const name of ['barong.events.system', 'barong.events.model']) {
    if (!(await declares(conn, name, BARONG_EXCHANGE_OPTIONS))) {
      const del = await conn.createChannel()
      await del.deleteExchange(name)
      await del.close()
    }
    await ch.assertExchange(name, 'direct', { ...BARONG_EXCHANGE_OPTIONS })
  }
}
