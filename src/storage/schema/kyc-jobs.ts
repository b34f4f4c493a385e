import { bigserial, index, integer, pgTable, text, varchar } from 'drizzle-orm/pg-core'
import { createdAt, timestamptz } from './columns.ts'

// Calls to the KYC provider (KYCAID), queued in the transaction of the change that needs them, so a job exists
// exactly when the change committed; run in the background with retries, across restarts.
export const kycJobs = pgTable(
  'kyc_jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // applicant, document, address, verification.
    kind: varchar('kind', { length: 32 }).notNull(),
    // JSON: the ids the job works on (never personal data).
    payload: text('payload').notNull(),
    attempts: integer('attempts').notNull().default(0),
    runAt: timestamptz('run_at').notNull().defaultNow(),
    doneAt: timestamptz('done_at'),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [index('kyc_jobs_due_idx').on(t.doneAt, t.runAt)],
)

export type KycJob = typeof kycJobs.$inferSelect
