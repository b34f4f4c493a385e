import { bigint, bigserial, index, pgTable, uniqueIndex, varchar } from 'drizzle-orm/pg-core'
import { createdAt, timestamptz } from './columns.ts'
import { users } from './users.ts'

// Ours: one-time tokens (email confirmation, password reset) kept only as SHA-256 hashes of their
// jti. Single use is an atomic `UPDATE … WHERE used_at IS NULL`, in Postgres so that a store flush
// cannot reopen a used link; a newer reset request supersedes older ones (only the latest works).
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // `confirmation` or `reset`.
    kind: varchar('kind', { length: 32 }).notNull(),
    jtiHash: varchar('jti_hash', { length: 64 }).notNull(),
    createdAt: createdAt(),
    expiresAt: timestamptz('expires_at').notNull(),
    usedAt: timestamptz('used_at'),
  },
  (t) => [uniqueIndex('one_time_tokens_jti_hash_key').on(t.jtiHash), index('one_time_tokens_user_kind_idx').on(t.userId, t.kind)],
)

export type OneTimeToken = typeof oneTimeTokens.$inferSelect
