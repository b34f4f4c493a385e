import type { Logger } from 'pino'
import type { SigningKeys } from '../crypto/keys.ts'
import type { Clock } from '../deps.ts'
import { createAmqpSink, type AmqpSinkOptions } from './amqp-sink.ts'
import { createFileSink } from './file-sink.ts'

/** Where the outbox relay sends events. */
export interface EventSink {
  /** Resolves once the event is durably handed over (for AMQP: confirmed by the broker); rejects otherwise. */
  publish(exchange: string, routingKey: string, event: Record<string, unknown>): Promise<void>
  /**
   * Optional: connects ahead of a batch, so the relay holds no row locks (nor, on PGlite, the
   * whole database) while it waits on a broker that is away. Rejects when it cannot connect.
   */
  ready?(): Promise<void>
  close(): Promise<void>
  readonly kind: 'amqp' | 'file' | 'none'
}

/** `BARONG_EVENT_API=none`: events are dropped (the relay still marks them sent, so the outbox does not grow). */
export function createNoneSink(): EventSink {
  return { kind: 'none', publish: async () => {}, close: async () => {} }
}

/** Builds the sink named by BARONG_EVENT_API: `none`, `file:PATH` or `amqp(s)://…`. */
export function createEventSink(spec: string, keys: SigningKeys, clock: Clock, logger: Logger, amqp?: AmqpSinkOptions): EventSink {
  if (spec === 'none' || spec === '') return createNoneSink()
  if (spec.startsWith('file:')) {
    const path = spec.slice('file:'.length)
    if (!path) throw new Error('BARONG_EVENT_API: file: needs a path')
    return createFileSink(path)
  }
  if (/^amqps?:\/\//.test(spec)) return createAmqpSink(spec, keys, clock, logger, amqp)
  throw new Error('BARONG_EVENT_API must be none, file:PATH or amqp://…')
}
