import { appendFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { EventSink } from './event-sink.ts'

/**
 * One JSON line per event: `{"exchange","routing_key","payload"}` with the event itself as payload,
 * unsigned (docs/architecture.md#data-flow): for development, mail catchers and tests that read tokens.
 * No fsync: the outbox row is the durable copy, and this file is a convenience, not a queue.
 */
export function createFileSink(path: string): EventSink {
  let ready: Promise<unknown> | null = null
  return {
    kind: 'file',
    async publish(exchange, routingKey, event) {
      // Create the directory once, lazily, so a bad path fails the publish (and is retried)
      // instead of failing start-up.
      ready ??= mkdir(dirname(path), { recursive: true }).catch((err: unknown) => {
        ready = null
        throw err
      })
      await ready
      // One appendFile per line: O_APPEND keeps concurrent writers' lines whole.
      await appendFile(path, `${JSON.stringify({ exchange, routing_key: routingKey, payload: event })}\n`)
    },
    async close() {},
  }
}
