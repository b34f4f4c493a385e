import type { Logger } from 'pino'
import type { SigningKeys } from '../crypto/keys.ts'
import type { Clock } from '../clock.ts'
import { createAmqpSink, type AmqpSinkOptions } from './amqp-sink.ts'
import { createFileSink } from './file-sink.ts'
import type { EventSink } from './event-sink.ts'

export type { EventSink } from './event-sink.ts'

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
