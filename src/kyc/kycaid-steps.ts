import { and, asc, desc, eq, isNotNull } from 'drizzle-orm'
import { commit, type CommitDeps } from '../accounts/commit.ts'
import { findLabel, upsertLabel } from '../accounts/labels.ts'
import { openProfile } from '../accounts/profile-seal.ts'
import { setProfileState } from '../accounts/profiles.ts'
import type { KycJobSpec } from '../accounts/kyc-jobs.ts'
import type { Config } from '../config/index.ts'
import type { SecretBox } from '../crypto/secretbox.ts'
import { documents, phones, profiles, users, type Document, type User } from '../storage/schema/index.ts'
import type { FileStore } from '../uploads/file-store.ts'
import { KycaidRefused, type KycaidClient } from './kycaid-client.ts'

/**
 * What each KYCAID job does (docs/barong-behaviour-notes.md#s9-6), as Barong's workers did it, plus the check Barong
 * left out: a verification is applied only to the applicant it belongs to (docs/differences-from-barong.md#d46).
 * A step throws to be retried; `KycaidRefused` from the client is final and runs the step's `refused`.
 */
export interface StepDeps extends CommitDeps {
  config: Config
  secrets: SecretBox
  files: FileStore
  kycaid: KycaidClient
}

const KYCAID_DOC_TYPES: Record<string, string> = { Passport: 'PASSPORT', 'Identity card': 'GOVERNMENT_ID', 'Driver license': 'DRIVERS_LICENSE' }

/** A job that can no longer succeed (its rows are gone, or the applicant is missing): dropped without effect. */
export class KycJobObsolete extends Error {}

async function userById(deps: StepDeps, id: number): Promise<User> {
  const [user] = await deps.db.select().from(users).where(eq(users.id, id))
  if (!user) throw new KycJobObsolete(`user ${id} is gone`)
  return user
}

/** The applicant the user's documents are filed under: their newest profile's (created by the applicant job). */
async function applicantOf(deps: StepDeps, userId: number): Promise<string> {
  const [row] = await deps.db
    .select({ id: profiles.applicantId })
    .from(profiles)
    .where(and(eq(profiles.userId, userId), isNotNull(profiles.applicantId)))
    .orderBy(desc(profiles.id))
    .limit(1)
  // Retried: the applicant job of a just-submitted profile may still be running.
  if (!row?.id) throw new Error(`user ${userId} has no KYCAID applicant yet`)
  return row.id
}

/** Sets a private KYC label (`document`, `address`) through the label module: level, state and events follow. */
async function setLabel(deps: StepDeps, user: User, key: string, value: string): Promise<void> {
  await commit(deps, (w) => upsertLabel(w, deps.config, user, { key, value, scope: 'private' }).then(() => undefined))
}

/** A refusal of the user's documents or address: their label goes `rejected`. */
const rejecting = (userId: number, key: 'document' | 'address') => async (deps: StepDeps) => setLabel(deps, await userById(deps, userId), key, 'rejected')

async function upload(deps: StepDeps, d: Document): Promise<string> {
  const bytes = d.upload ? await deps.files.read(d.upload) : null
  // A file gone from the store can never be sent: the batch is settled as refused, and the user uploads again.
  if (!bytes) throw new KycaidRefused(`stored file of document ${d.id} is gone`)
  return deps.kycaid.uploadFile(bytes, d.upload!)
}

/** Where KYCAID calls back: Barong's domain (https unless it names its scheme). */
const callbackUrl = (config: Config) => {
  const domain = config.env.BARONG_DOMAIN.replace(/\/+$/, '')
  return `${/^https?:\/\//.test(domain) ? domain : `https://${domain}`}/api/v2/barong/public/kyc`
}

export interface Step {
  run(deps: StepDeps): Promise<void>
  /** The provider refused for good: what the user's KYC state becomes. */
  refused(deps: StepDeps): Promise<void>
}

export function stepOf(job: KycJobSpec): Step {
  switch (job.kind) {
    case 'applicant': {
      const load = async (deps: StepDeps) => {
        const [row] = await deps.db.select().from(profiles).where(eq(profiles.id, job.payload.profileId))
        if (!row || row.state !== 'submitted') throw new KycJobObsolete(`profile ${job.payload.profileId} is no longer submitted`)
        return { row, user: await userById(deps, row.userId) }
      }
      return {
        async run(deps) {
          const { row, user } = await load(deps)
          const p = openProfile(deps.secrets, row)
          const [phone] = await deps.db.select().from(phones).where(eq(phones.userId, user.id)).orderBy(desc(phones.id)).limit(1)
          const applicantId = await deps.kycaid.createApplicant({
            type: 'PERSON',
            first_name: p.firstName,
            last_name: p.lastName,
            dob: p.dob,
            residence_country: p.country,
            email: user.email,
            phone: phone?.number ?? null,
          })
          await commit(deps, async (w) => {
            await w.tx.update(profiles).set({ applicantId }).where(eq(profiles.id, row.id))
            await setProfileState(w, deps, user, row, 'verified')
          })
        },
        async refused(deps) {
          const { row, user } = await load(deps)
          await commit(deps, (w) => setProfileState(w, deps, user, row, 'rejected').then(() => undefined))
        },
      }
    }
    case 'document': {
      const { userId, identificator } = job.payload
      return {
        async run(deps) {
          const applicant_id = await applicantOf(deps, userId)
          const batch = await deps.db.select().from(documents).where(and(eq(documents.userId, userId), eq(documents.identificator, identificator))).orderBy(asc(documents.id))
          if (!batch.length) throw new KycJobObsolete(`batch ${identificator} is gone`)
          // By category when the front end named them, else in upload order: front, (back), selfie.
          const by = (cat: string) => batch.find((d) => d.docCategory === cat)
          const front = by('front_side') ?? batch[0]!
          const selfie = by('selfie') ?? batch[batch.length - 1]!
          const back = by('back_side') ?? (batch.length > 2 ? batch[1] : undefined)
          const document_id = await deps.kycaid.createDocument({
            applicant_id,
            type: KYCAID_DOC_TYPES[front.docType ?? ''] ?? 'PASSPORT',
            document_number: front.docNumber,
            expiry_date: front.docExpire,
            front_side_id: await upload(deps, front),
            back_side_id: back ? await upload(deps, back) : undefined,
          })
          await deps.kycaid.createDocument({ applicant_id, type: 'SELFIE_IMAGE', front_side_id: await upload(deps, selfie) })
          await deps.kycaid.createVerification({ applicant_id, types: ['DOCUMENT', 'FACIAL'], callback_url: callbackUrl(deps.config) })
          await commit(deps, async (w) => {
            for (const d of batch) await w.tx.update(documents).set({ metadata: JSON.stringify({ document_id }), updatedAt: w.now }).where(eq(documents.id, d.id))
          })
        },
        refused: rejecting(userId, 'document'),
      }
    }
    case 'address': {
      const { userId, documentId } = job.payload
      return {
        async run(deps) {
          const applicant_id = await applicantOf(deps, userId)
          const [doc] = await deps.db.select().from(documents).where(eq(documents.id, documentId))
          if (!doc) throw new KycJobObsolete(`address document ${documentId} is gone`)
          const claimed = JSON.parse(doc.metadata ?? '{}') as Record<string, string | undefined>
          const address_id = await deps.kycaid.createAddress({
            applicant_id,
            type: 'REGISTERED',
            country: claimed.country,
            city: claimed.city,
            postal_code: claimed.postcode,
            full_address: claimed.address,
            front_side_id: await upload(deps, doc),
          })
          await deps.kycaid.createVerification({ applicant_id, types: ['ADDRESS'], callback_url: callbackUrl(deps.config) })
          await commit(deps, async (w) => {
            await w.tx.update(documents).set({ metadata: JSON.stringify({ ...claimed, address_id }), updatedAt: w.now }).where(eq(documents.id, doc.id))
          })
        },
        refused: rejecting(userId, 'address'),
      }
    }
    case 'verification': {
      const { applicantId, verificationId } = job.payload
      return {
        async run(deps) {
          const [profile] = await deps.db.select().from(profiles).where(eq(profiles.applicantId, applicantId)).limit(1)
          if (!profile) throw new KycJobObsolete(`no profile has applicant ${applicantId}`)
          const v = await deps.kycaid.getVerification(verificationId)
          // Barong applied any verification to whichever applicant the callback named.
          if (v.applicant_id !== applicantId) throw new KycJobObsolete(`verification ${verificationId} is not applicant ${applicantId}'s`)
          if (v.status !== 'completed') return
          const user = await userById(deps, profile.userId)
          const results = v.verifications ?? {}
          for (const [name, decision] of Object.entries(results)) {
            if (name !== 'document' && name !== 'address') continue
            if (!(await findLabel(deps.db, user.id, name, 'private'))) continue
            const verified = name === 'document' ? decision?.verified === true && results.facial?.verified === true : decision?.verified === true
            await setLabel(deps, await userById(deps, user.id), name, verified ? 'verified' : 'rejected')
          }
        },
        // A verification the provider will not show us changes nothing.
        async refused() {},
      }
    }
  }
}
