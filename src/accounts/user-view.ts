import type { User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import type { SecretBox } from '../crypto/secretbox.ts'
import { presentUserWithFullInfo, presentUserWithKyc } from './entities.ts'
import { loadKycDetails, loadOneUserDetails } from './user-details.ts'

/** One user's full view: load, then present (listings load many at once with `loadUserDetails`). */
export async function userWithFullInfo(deps: { db: Executor; secrets: SecretBox }, user: User, csrfToken?: string) {
  return presentUserWithFullInfo(user, await loadOneUserDetails(deps.db, deps.secrets, user), csrfToken)
}

/** One user's staff view (UserWithKYC). */
export async function userWithKyc(deps: { db: Executor; secrets: SecretBox }, user: User) {
  return presentUserWithKyc(user, (await loadKycDetails(deps.db, deps.secrets, [user])).get(user.id)!)
}
