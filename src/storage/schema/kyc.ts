import { bigint, bigserial, date, index, pgTable, text, varchar } from 'drizzle-orm/pg-core'
import { timestamps, timestamptz } from './columns.ts'
import { users } from './users.ts'

// Barong §5.7 (docs/barong-behaviour-notes.md#s5). `state` stores the names (drafted, submitted, verified, rejected)
// rather than Barong's tinyint enum (0, 1, 3, 4).
export const profiles = pgTable(
  'profiles',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // uid of the admin who created it (admin POST), else null.
    author: varchar('author', { length: 255 }),
    // KYCAID applicant id.
    applicantId: varchar('applicant_id', { length: 255 }),
    // Sealed at rest (AES-256-GCM, accounts/profiles.ts), as Barong 2.6 encrypts them: wider than the values.
    firstName: varchar('first_name', { length: 1024 }),
    lastName: varchar('last_name', { length: 1024 }),
    dob: varchar('dob', { length: 1024 }),
    address: varchar('address', { length: 1024 }),
    // Keyed digests of the normalised names (profile-seal.ts): the admin user search matches names without opening them.
    firstNameDigest: varchar('first_name_digest', { length: 64 }),
    lastNameDigest: varchar('last_name_digest', { length: 64 }),
    postcode: varchar('postcode', { length: 255 }),
    city: varchar('city', { length: 255 }),
    country: varchar('country', { length: 255 }),
    state: varchar('state', { length: 255 }).notNull().default('drafted'),
    // JSON text, returned verbatim (a string) in the Profile entity.
    metadata: text('metadata'),
    ...timestamps(),
  },
  (t) => [
    index('profiles_user_id_idx').on(t.userId),
    index('profiles_country_idx').on(t.country),
    index('profiles_first_name_digest_idx').on(t.firstNameDigest),
    index('profiles_last_name_digest_idx').on(t.lastNameDigest),
  ],
)

// Barong §5.8 (docs/barong-behaviour-notes.md#s5). `number` is digits only, international, no `+`.
export const phones = pgTable(
  'phones',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    country: varchar('country', { length: 255 }).notNull(),
    number: varchar('number', { length: 255 }).notNull(),
    code: varchar('code', { length: 5 }),
    validatedAt: timestamptz('validated_at'),
    ...timestamps(),
  },
  (t) => [index('phones_user_id_idx').on(t.userId), index('phones_number_idx').on(t.number)],
)

// Barong §5.10 (docs/barong-behaviour-notes.md#s5). No state column: KYC status lives in the private `document` /
// `address` labels. doc_type and doc_number stay nullable as in Barong (Address uploads carry no doc_number).
export const documents = pgTable(
  'documents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Stored file name.
    upload: varchar('upload', { length: 255 }),
    docType: varchar('doc_type', { length: 255 }),
    docNumber: varchar('doc_number', { length: 255 }),
    docExpire: date('doc_expire', { mode: 'string' }),
    docIssue: date('doc_issue', { mode: 'string' }),
    // front_side, back_side, selfie.
    docCategory: varchar('doc_category', { length: 255 }),
    // Batch id (32 hex) grouping the files of one submission.
    identificator: varchar('identificator', { length: 255 }),
    metadata: text('metadata'),
    ...timestamps(),
  },
  (t) => [
    index('documents_user_id_idx').on(t.userId),
    index('documents_identificator_idx').on(t.identificator),
  ],
)

export type Profile = typeof profiles.$inferSelect
export type NewProfile = typeof profiles.$inferInsert
export type Phone = typeof phones.$inferSelect
export type NewPhone = typeof phones.$inferInsert
export type Document = typeof documents.$inferSelect
export type NewDocument = typeof documents.$inferInsert
