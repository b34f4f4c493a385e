import { sql } from 'drizzle-orm'
import { bigserial, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core'
import { createdAt, timestamptz } from './columns.ts'

// Ours: transactional outbox. Events are written in the same transaction as the change that
// causes them and relayed to RabbitMQ afterwards, so a rollback never publishes.
export const eventOutbox = pgTable(
  'event_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    exchange: text('exchange').notNull(),
    routingKey: text('routing_key').notNull(),
    // The event object, before JWT signing.
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    sentAt: timestamptz('sent_at'),
  },
  // The relay scans only unsent rows in id order; sent rows drop out of the index.
  (t) => [index('event_outbox_unsent_idx').on(t.id).where(sql`${t.sentAt} IS NULL`)],
)

export type OutboxEvent = typeof eventOutbox.$inferSelect
export type NewOutboxEvent = typeof eventOutbox.$inferInsert
