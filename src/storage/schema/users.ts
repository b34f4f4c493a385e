import { sql } from 'drizzle-orm'
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core'
import { timestamps } from './columns.ts'

// Barong §5.1 (docs/barong-behaviour-notes.md#s5). MySQL's case-insensitive collation made email comparisons
// case-insensitive; here emails are stored lower-cased (enforced by a CHECK) so a plain unique index suffices
// and `WHERE email = $1` lookups use it.
export const users = pgTable(
  'users',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    uid: varchar('uid', { length: 255 }).notNull(),
    email: varchar('email', { length: 255 }).notNull(),
    // Argon2id PHC string, or a bcrypt hash imported from Barong (`$2a$12$…`).
    passwordDigest: varchar('password_digest', { length: 255 }).notNull(),
    role: varchar('role', { length: 255 }).notNull().default('member'),
    data: text('data'),
    level: integer('level').notNull().default(0),
    otp: boolean('otp').notNull().default(false),
    state: varchar('state', { length: 255 }).notNull().default('pending'),
    referralId: bigint('referral_id', { mode: 'number' }).references((): AnyPgColumn => users.id, {
      onDelete: 'set null',
    }),
    // AES-GCM ciphertext of the TOTP seed (Barong kept it in Vault).
    otpSecretEncrypted: text('otp_secret_encrypted'),
    // Last accepted TOTP time-step: a code for this step or earlier is a replay.
    otpLastStep: bigint('otp_last_step', { mode: 'number' }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('users_uid_key').on(t.uid),
    uniqueIndex('users_email_key').on(t.email),
    index('users_role_idx').on(t.role),
    index('users_state_idx').on(t.state),
    index('users_created_at_idx').on(t.createdAt),
    // The admin user search's filters and orderings (docs/barong-behaviour-notes.md#s4-4-1).
    index('users_updated_at_idx').on(t.updatedAt),
    index('users_level_id_idx').on(t.level, t.id),
    // Keeps ON DELETE SET NULL on referral_id from scanning the table.
    index('users_referral_id_idx').on(t.referralId),
    check('users_email_lower_check', sql`${t.email} = lower(${t.email})`),
  ],
)

export type User = typeof users.$inferSelect
export type NewUser = typeof users.$inferInsert
