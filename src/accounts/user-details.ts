import type { Comment, DataStorage, Document, Label, Phone, Profile, User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import type { SecretBox } from '../crypto/secretbox.ts'
import { openProfile } from './profile-seal.ts'
import { commentsOfUsers, dataStoragesOfUsers, documentsOfUsers, labelsOfUsers, phonesOfUsers, profilesOfUsers, uidsOf } from './user-repository.ts'

/** What a full user view shows besides the user row. */
export interface UserDetails {
  referralUid: string | null
  labels: Label[]
  phones: Phone[]
  profiles: Profile[]
  dataStorages: DataStorage[]
}

/**
 * Loads the related rows of many users at once: one query per table whatever the number of users
 * (an admin page of 100 users costs five queries, not five hundred).
 */
export async function loadUserDetails(db: Executor, secrets: SecretBox, list: readonly User[]): Promise<Map<number, UserDetails>> {
  const ids = list.map((u) => u.id)
  const out = new Map<number, UserDetails>()
  if (!ids.length) return out
  const referrers = list.flatMap((u) => (u.referralId ? [u.referralId] : []))
  const [ls, ps, prs, ds, refs] = await Promise.all([
    labelsOfUsers(db, ids),
    phonesOfUsers(db, ids),
    profilesOfUsers(db, ids),
    dataStoragesOfUsers(db, ids),
    uidsOf(db, referrers),
  ])
  for (const u of list) {
    out.set(u.id, {
      referralUid: u.referralId ? (refs.get(u.referralId) ?? null) : null,
      labels: ls.get(u.id) ?? [],
      phones: ps.get(u.id) ?? [],
      profiles: (prs.get(u.id) ?? []).map((p) => openProfile(secrets, p)),
      dataStorages: ds.get(u.id) ?? [],
    })
  }
  return out
}

export async function loadOneUserDetails(db: Executor, secrets: SecretBox, user: User): Promise<UserDetails> {
  return (await loadUserDetails(db, secrets, [user])).get(user.id)!
}

/** What the staff's view of a user (UserWithKYC) shows besides UserDetails. */
export interface KycDetails extends UserDetails {
  documents: Document[]
  comments: Comment[]
}

/** UserDetails plus documents and staff comments, for many users at once (two more queries). */
export async function loadKycDetails(db: Executor, secrets: SecretBox, list: readonly User[]): Promise<Map<number, KycDetails>> {
  const ids = list.map((u) => u.id)
  const [base, docs, notes] = await Promise.all([loadUserDetails(db, secrets, list), documentsOfUsers(db, ids), commentsOfUsers(db, ids)])
  return new Map(list.map((u) => [u.id, { ...base.get(u.id)!, documents: docs.get(u.id) ?? [], comments: notes.get(u.id) ?? [] }]))
}
