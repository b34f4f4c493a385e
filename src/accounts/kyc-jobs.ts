import { kycJobs } from '../storage/schema/index.ts'
import type { Work } from './commit.ts'

/** What the KYC provider is asked to do (docs/barong-behaviour-notes.md#s9-6), by the ids it works on. */
export type KycJobSpec =
  | { kind: 'applicant'; payload: { profileId: number } }
  | { kind: 'document'; payload: { userId: number; identificator: string } }
  | { kind: 'address'; payload: { userId: number; documentId: number } }
  | { kind: 'verification'; payload: { applicantId: string; verificationId: string } }

/** Queues a provider call in the change's transaction: it runs only if the change commits. */
export async function enqueueKycJob(w: Work, job: KycJobSpec): Promise<void> {
  await w.tx.insert(kycJobs).values({ kind: job.kind, payload: JSON.stringify(job.payload), runAt: w.now, createdAt: w.now })
}
