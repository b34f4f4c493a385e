import { eventOutbox } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'

/** Event names as Barong publishes them: `<category>.<routing key>`, e.g. `system.session.create`. */
export type EventName = `system.${string}` | `model.${string}`

export type EventBody = Record<string, unknown>

/** `system.user.password.reset` → exchange `barong.events.system`, routing key `user.password.reset`. */
export function route(name: EventName): { exchange: string; routingKey: string } {
  const dot = name.indexOf('.')
  return { exchange: `barong.events.${name.slice(0, dot)}`, routingKey: name.slice(dot + 1) }
}

/**
 * Writes the event in the caller's transaction; the relay publishes it after commit. Nothing is
 * published for a change that rolled back, and nothing is lost while the broker is away.
 */
export async function recordEvent(tx: Executor, name: EventName, body: EventBody): Promise<void> {
  await tx.insert(eventOutbox).values(outboxRow(name, body))
}

/** The outbox row of an event. */
export function outboxRow(name: EventName, body: EventBody): typeof eventOutbox.$inferInsert {
  const { exchange, routingKey } = route(name)
  return { exchange, routingKey, payload: { ...body, name } }
}
