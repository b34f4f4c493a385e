import type { User } from '../storage/schema/index.ts'
import type { Database } from '../storage/db.ts'
import type { Executor } from '../storage/tx.ts'
import type { SecretBox } from '../crypto/secretbox.ts'
import { presentUser, presentUserWithFullInfo, presentUserWithKyc } from './entities.ts'
import { uidsOf } from './user-repository.ts'
import { loadKycDetails, loadOneUserDetails } from './user-details.ts'

/** One user's full view: load, then present (listings load many at once with `loadUserDetails`). */
export async function userWithFullInfo(deps: { db: Database; secrets: SecretBox }, user: User, csrfToken?: string) {
  return presentUserWithFullInfo(user, await loadOneUserDetails(deps.db, deps.secrets, user), csrfToken)
}

/** One user's staff view (UserWithKYC). */
export async function userWithKyc(deps: { db: Database; secrets: SecretBox }, user: User) {
  return presentUserWithKyc(user, (await loadKycDetails(deps.db, deps.secrets, [user])).get(user.id)!)
}

/** Presents Barong's User entity for many users: their referrers' uids in one query. */
export async function userPresenter(db: Executor, people: readonly User[]) {
  const refs = await uidsOf(db, people.flatMap((u) => (u.referralId ? [u.referralId] : [])))
  return (u: User) => presentUser(u, u.referralId ? (refs.get(u.referralId) ?? null) : null)
}
