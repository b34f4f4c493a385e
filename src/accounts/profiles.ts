import { and, asc, eq, inArray } from 'drizzle-orm'
import type { Config } from '../config/index.ts'
import { countryByAlpha2, countryByAlpha3 } from '../authz/core/countries.ts'
import type { SecretBox } from '../crypto/secretbox.ts'
import { profiles, type Profile, type User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import type { Work } from './commit.ts'
import { enqueueKycJob } from './kyc-jobs.ts'
import { upsertLabel } from './labels.ts'
import { presentProfile } from './entities.ts'
import { openProfile, sealedColumns, type OpenProfile } from './profile-seal.ts'
import { userEventRecordOf } from './user-record.ts'
import { lockUser } from './user-repository.ts'
import { isBlank, isJsonText } from '../util/values.ts'

/** KYC profiles (docs/barong-behaviour-notes.md#s4-3-3): validation, create, change, read. */
export const PROFILE_FIELDS = ['first_name', 'last_name', 'dob', 'address', 'postcode', 'city', 'country', 'metadata'] as const
export type ProfileField = (typeof PROFILE_FIELDS)[number]
export type ProfileInput = Partial<Record<ProfileField, string>>
export type ProfileState = 'drafted' | 'submitted' | 'verified' | 'rejected'

// Ruby's [[:word:]]: letters, marks, digits and connector punctuation.
const W = '\\p{L}\\p{M}\\p{N}\\p{Pc}'
const NAME = new RegExp(`^[${W}\\s\\-']+$`, 'u')
const CITY = new RegExp(`^[${W}\\s\\-–.~']+$`, 'u')
const POSTCODE = new RegExp(`^[${W}\\s\\-]+$`, 'u')
const ADDRESS = new RegExp(`^[${W}\\s\\-–,.~;/:#"\\\\&')(]+$`, 'u')

const squish = (v: string) => v.replace(/\s+/g, ' ').trim()

function lengthAndFormat(name: string, v: string | null | undefined, min: number, format: RegExp, errors: string[]) {
  if (v == null || isBlank(v)) return
  if ([...v].length < min) errors.push(`${name}.too_short`)
  else if ([...v].length > 255) errors.push(`${name}.too_long`)
  if (!format.test(v)) errors.push(`${name}.invalid`)
}

/** Barong's model validations, in its order; the values as they will be stored (squished). */
export function profileErrors(p: ProfileInput, today: string): string[] {
  const errors: string[] = []
  lengthAndFormat('first_name', p.first_name, 1, NAME, errors)
  lengthAndFormat('last_name', p.last_name, 1, NAME, errors)
  lengthAndFormat('city', p.city, 1, CITY, errors)
  if (p.country && !isBlank(p.country) && !countryByAlpha2(p.country) && !countryByAlpha3(p.country)) errors.push('country.must have alpha2 or alpha3 format')
  lengthAndFormat('postcode', p.postcode, 2, POSTCODE, errors)
  lengthAndFormat('address', p.address, 1, ADDRESS, errors)
  if (p.metadata != null && !isBlank(p.metadata) && !isJsonText(p.metadata)) errors.push('metadata.invalid_format')
  // Barong 2.6: nobody is born in the future.
  if (p.dob && p.dob > today) errors.push('dob.invalid')
  return errors
}

/** Barong squishes these before validating and saving. */
export function normalizeProfileInput(p: ProfileInput): ProfileInput {
  const out = { ...p }
  for (const k of ['first_name', 'last_name', 'city', 'postcode'] as const) if (out[k] !== undefined) out[k] = squish(out[k]!)
  return out
}

export class ProfileInvalid extends Error {
  constructor(readonly keys: string[]) {
    super(keys.join(', '))
  }
}

const columnsOf = (secrets: SecretBox, p: ProfileInput) => ({
  ...sealedColumns(secrets, p),
  postcode: p.postcode,
  city: p.city,
  country: p.country,
  metadata: p.metadata,
})

function eventRecord(user: Awaited<ReturnType<typeof userEventRecordOf>>, p: OpenProfile) {
  // The entity's fields without the state, in Barong's event order.
  const { state: _state, ...fields } = presentProfile(p)
  return { user, ...fields }
}

/** The `profile` label follows the newest profile's state, as Barong's KYC step sets it (docs/barong-behaviour-notes.md#s5-4). */
async function afterCommit(w: Work, config: Config, user: User, profile: OpenProfile, event: 'created' | 'updated') {
  await w.event(`model.profile.${event}`, { record: eventRecord(await userEventRecordOf(w.tx, user), profile) })
  await upsertLabel(w, config, user, { key: 'profile', value: profile.state, scope: 'private' })
  // With KYCAID a submitted profile becomes an applicant there (docs/barong-behaviour-notes.md#s9-6).
  if (config.env.BARONG_KYC_PROVIDER === 'kycaid' && profile.state === 'submitted') await enqueueKycJob(w, { kind: 'applicant', payload: { profileId: profile.id } })
}

/** A new profile: refused while the user has a drafted or submitted one (`state.exists`). */
export async function createProfile(w: Work, deps: { config: Config; secrets: SecretBox }, user: User, input: ProfileInput, state: ProfileState, author: string | null = null): Promise<OpenProfile> {
  await lockUser(w.tx, user.id)
  const p = normalizeProfileInput(input)
  const errors = profileErrors(p, w.now.toISOString().slice(0, 10))
  if (state === 'drafted' || state === 'submitted') {
    const open = await w.tx.select({ id: profiles.id }).from(profiles).where(and(eq(profiles.userId, user.id), inArray(profiles.state, ['drafted', 'submitted']))).limit(1)
    if (open.length) errors.push('state.exists')
  }
  if (errors.length) throw new ProfileInvalid(errors)
  const [row] = (await w.tx
    .insert(profiles)
    .values({ userId: user.id, author, ...columnsOf(deps.secrets, p), state, createdAt: w.now, updatedAt: w.now })
    .returning()) as [Profile]
  const opened = openProfile(deps.secrets, row)
  await afterCommit(w, deps.config, user, opened, 'created')
  return opened
}

/** Changes the user's drafted profile (the only one a user may edit); null when there is none. */
export async function updateDraftedProfile(w: Work, deps: { config: Config; secrets: SecretBox }, user: User, input: ProfileInput, submit: boolean): Promise<OpenProfile | null> {
  await lockUser(w.tx, user.id)
  const [draft] = await w.tx.select().from(profiles).where(and(eq(profiles.userId, user.id), eq(profiles.state, 'drafted'))).orderBy(asc(profiles.id)).limit(1)
  if (!draft) return null
  const p = normalizeProfileInput(input)
  const errors = profileErrors(p, w.now.toISOString().slice(0, 10))
  if (errors.length) throw new ProfileInvalid(errors)
  const [row] = (await w.tx
    .update(profiles)
    .set({ ...columnsOf(deps.secrets, p), ...(submit ? { state: 'submitted' } : {}), updatedAt: w.now })
    .where(eq(profiles.id, draft.id))
    .returning()) as [Profile]
  const opened = openProfile(deps.secrets, row)
  await afterCommit(w, deps.config, user, opened, 'updated')
  return opened
}

export async function userProfiles(db: Executor, secrets: SecretBox, userId: number): Promise<OpenProfile[]> {
  const rows = await db.select().from(profiles).where(eq(profiles.userId, userId)).orderBy(asc(profiles.id))
  return rows.map((r) => openProfile(secrets, r))
}

/** The user's submitted profile, the one staff review; null when there is none. */
export async function submittedProfile(db: Executor, userId: number): Promise<Profile | null> {
  const [row] = await db.select().from(profiles).where(and(eq(profiles.userId, userId), eq(profiles.state, 'submitted'))).orderBy(asc(profiles.id)).limit(1)
  return row ?? null
}

/** A review's outcome: the profile's state, and the `profile` label with it (level and state follow). */
export async function setProfileState(w: Work, deps: { config: Config; secrets: SecretBox }, user: User, profile: Profile, state: ProfileState): Promise<OpenProfile> {
  await lockUser(w.tx, user.id)
  const [row] = (await w.tx.update(profiles).set({ state, updatedAt: w.now }).where(eq(profiles.id, profile.id)).returning()) as [Profile]
  const opened = openProfile(deps.secrets, row)
  await afterCommit(w, deps.config, user, opened, 'updated')
  return opened
}
