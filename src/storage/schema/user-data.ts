import { bigint, bigserial, index, pgTable, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core'
import { timestamps } from './columns.ts'
import { users } from './users.ts'

// Barong §5.12 (docs/barong-behaviour-notes.md#s5): one JSON document per (user, title).
export const dataStorages = pgTable(
  'data_storages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: varchar('title', { length: 64 }).notNull(),
    data: text('data').notNull(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('data_storages_user_id_title_key').on(t.userId, t.title)],
)

// Barong §5.13 (docs/barong-behaviour-notes.md#s5): admin comments about a user.
export const comments = pgTable(
  'comments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    authorUid: varchar('author_uid', { length: 16 }).notNull(),
    title: varchar('title', { length: 64 }).notNull(),
    data: text('data').notNull(),
    ...timestamps(),
  },
  (t) => [index('comments_user_id_idx').on(t.userId)],
)

export type DataStorage = typeof dataStorages.$inferSelect
export type NewDataStorage = typeof dataStorages.$inferInsert
export type Comment = typeof comments.$inferSelect
export type NewComment = typeof comments.$inferInsert
