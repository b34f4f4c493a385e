import { bigint, bigserial, index, pgTable, text, uniqueIndex, varchar } from 'drizzle-orm/pg-core'
import { timestamps } from './columns.ts'
import { users } from './users.ts'

// Barong §5.5 (docs/barong-behaviour-notes.md#s5; 2.5.21 user-owned keys, with 2.6's unique kid and encrypted secret).
export const apiKeys = pgTable(
  'apikeys',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kid: varchar('kid', { length: 255 }).notNull(),
    algorithm: varchar('algorithm', { length: 255 }).notNull(),
    // JSON array text, e.g. `["trade"]` (Barong stored YAML).
    scope: text('scope'),
    state: varchar('state', { length: 255 }).notNull().default('active'),
    // AES-GCM ciphertext of the HMAC secret.
    secretEncrypted: text('secret_encrypted').notNull(),
    ...timestamps(),
  },
  (t) => [uniqueIndex('apikeys_kid_key').on(t.kid), index('apikeys_user_id_idx').on(t.userId)],
)

export type ApiKey = typeof apiKeys.$inferSelect
export type NewApiKey = typeof apiKeys.$inferInsert
