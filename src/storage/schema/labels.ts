import { bigint, bigserial, index, integer, pgTable, uniqueIndex, varchar } from 'drizzle-orm/pg-core'
import { timestamps } from './columns.ts'
import { users } from './users.ts'

// Barong §5.2 (docs/barong-behaviour-notes.md#s5). The (user_id, key, scope) index is unique as in Barong 2.6: 2.5.21
// only validated uniqueness, so concurrent creates could duplicate a label. Its user_id prefix also serves
// lookups by user, so no separate user_id index.
export const labels = pgTable(
  'labels',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: varchar('key', { length: 255 }).notNull(),
    value: varchar('value', { length: 255 }).notNull(),
    scope: varchar('scope', { length: 255 }).notNull().default('public'),
    description: varchar('description', { length: 255 }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('labels_user_id_key_scope_key').on(t.userId, t.key, t.scope),
    // Users by label (admin labels listing, documents waiting for review).
    index('labels_key_value_idx').on(t.key, t.value),
  ],
)

// Barong §5.3 (docs/barong-behaviour-notes.md#s5). The id IS the level number (seeded explicitly as 1, 2, 3…), hence
// no serial.
export const levels = pgTable('levels', {
  id: integer('id').primaryKey(),
  key: varchar('key', { length: 255 }).notNull(),
  value: varchar('value', { length: 255 }).notNull(),
  description: varchar('description', { length: 255 }),
  ...timestamps(),
})

export type Label = typeof labels.$inferSelect
export type NewLabel = typeof labels.$inferInsert
export type Level = typeof levels.$inferSelect
export type NewLevel = typeof levels.$inferInsert
