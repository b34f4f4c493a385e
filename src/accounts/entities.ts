import { asc, eq } from 'drizzle-orm'
import { dataStorages, labels, phones, profiles, type Label, type Phone, type Profile, type User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import { isoSeconds } from './user-record.ts'
import { uidOf } from './users.ts'

/** Barong's entities (docs/barong-behaviour-notes.md#s4-6), field order as Barong's. */
export const presentLabel = (l: Label) => ({
  key: l.key,
  value: l.value,
  scope: l.scope,
  created_at: isoSeconds(l.createdAt),
  updated_at: isoSeconds(l.updatedAt),
})

export const presentPhone = (p: Phone) => ({
  country: p.country,
  number: p.number,
  // Barong exposes the raw Rails time here, with milliseconds.
  validated_at: p.validatedAt ? p.validatedAt.toISOString() : null,
})

export const presentProfile = (p: Profile) => ({
  first_name: p.firstName,
  last_name: p.lastName,
  dob: p.dob,
  address: p.address,
  postcode: p.postcode,
  city: p.city,
  country: p.country,
  state: p.state,
  metadata: p.metadata,
  created_at: isoSeconds(p.createdAt),
  updated_at: isoSeconds(p.updatedAt),
})

/** UserWithFullInfo; `csrfToken` only in login, signup and email-confirmation answers. */
export async function presentUserWithFullInfo(db: Executor, u: User, csrfToken?: string) {
  const [ls, ps, prs, ds] = await Promise.all([
    db.select().from(labels).where(eq(labels.userId, u.id)).orderBy(asc(labels.id)),
    db.select().from(phones).where(eq(phones.userId, u.id)).orderBy(asc(phones.id)),
    db.select().from(profiles).where(eq(profiles.userId, u.id)).orderBy(asc(profiles.id)),
    db.select().from(dataStorages).where(eq(dataStorages.userId, u.id)).orderBy(asc(dataStorages.id)),
  ])
  return {
    email: u.email,
    uid: u.uid,
    role: u.role,
    level: u.level,
    otp: u.otp,
    state: u.state,
    referral_uid: u.referralId ? await uidOf(db, u.referralId) : null,
    ...(csrfToken !== undefined ? { csrf_token: csrfToken } : {}),
    data: u.data,
    created_at: isoSeconds(u.createdAt),
    updated_at: isoSeconds(u.updatedAt),
    labels: ls.map(presentLabel),
    phones: ps.map(presentPhone),
    profiles: prs.map(presentProfile),
    data_storages: ds.map((d) => ({ title: d.title, data: d.data, created_at: isoSeconds(d.createdAt), updated_at: isoSeconds(d.updatedAt) })),
  }
}
