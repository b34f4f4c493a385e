import { bigint, bigserial, index, pgTable, text, varchar } from 'drizzle-orm/pg-core'
import { createdAt } from './columns.ts'
import { users } from './users.ts'

// Barong §5.11 (docs/barong-behaviour-notes.md#s5): the audit trail. Rows are read-only, hence no updated_at.
// user_id is the actor; target_uid (admin category only) is a uid, not a foreign key.
export const activities = pgTable(
  'activities',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    targetUid: varchar('target_uid', { length: 255 }),
    // `user` or `admin`.
    category: varchar('category', { length: 255 }).notNull(),
    userIp: varchar('user_ip', { length: 255 }).notNull(),
    userIpCountry: varchar('user_ip_country', { length: 255 }),
    userAgent: varchar('user_agent', { length: 255 }).notNull(),
    topic: varchar('topic', { length: 255 }).notNull(),
    action: varchar('action', { length: 255 }).notNull(),
    // succeed, failed, denied.
    result: varchar('result', { length: 255 }).notNull(),
    data: text('data'),
    createdAt: createdAt(),
  },
  (t) => [
    index('activities_user_id_idx').on(t.userId),
    index('activities_target_uid_idx').on(t.targetUid),
    index('activities_category_created_at_idx').on(t.category, t.createdAt),
  ],
)

export type Activity = typeof activities.$inferSelect
export type NewActivity = typeof activities.$inferInsert
