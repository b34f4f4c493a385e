import { deactivateApiKeys } from './api-keys.ts'
import type { Work } from './commit.ts'
import { userEventRecordOf } from './user-record.ts'
import { updateUser } from './user-repository.ts'
import type { User } from '../storage/schema/index.ts'

/**
 * Staff changes to a user's standing (docs/barong-behaviour-notes.md#s4-4-1): written, announced to every
 * instance's gate (`userChanged`), published as `model.user.updated` with the previous values.
 */
async function change(w: Work, user: User, patch: Partial<Pick<User, 'state' | 'role'>>): Promise<User> {
  const updated = await updateUser(w.tx, user.id, { ...patch, updatedAt: w.now })
  w.userChanged(updated.uid)
  const changes = Object.fromEntries(Object.keys(patch).map((k) => [k, user[k as keyof typeof patch]]))
  await w.event('model.user.updated', { record: await userEventRecordOf(w.tx, updated), changes })
  return updated
}

/** Any state string, as Barong; a user who is no longer active loses their API keys. */
export async function setUserState(w: Work, user: User, state: string): Promise<User> {
  const updated = await change(w, user, { state })
  if (state !== 'active') await deactivateApiKeys(w, user.id)
  return updated
}

export function setUserRole(w: Work, user: User, role: string): Promise<User> {
  return change(w, user, { role })
}
