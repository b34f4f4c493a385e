import { findUserByUid } from '../accounts/user-repository.ts'
import { AppError } from '../http/errors.ts'
import type { User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'

/** The user an admin call names by uid; 404 `admin.user.doesnt_exist` otherwise. */
export async function targetUser(db: Executor, uid: string): Promise<User> {
  const user = await findUserByUid(db, uid)
  if (!user) throw new AppError('admin.user.doesnt_exist', 404)
  return user
}

/** Barong's superadmin guard (docs/barong-behaviour-notes.md#s6-2): only a superadmin changes a superadmin. */
export function guardSuperadmin(caller: User, target: User, key = 'admin.user.superadmin_change'): void {
  if (target.role === 'superadmin' && caller.role !== 'superadmin') throw new AppError(key, 422)
}

/** State, otp and role changes of oneself are refused. */
export function guardSelf(caller: User, target: User): void {
  if (caller.id === target.id) throw new AppError('admin.user.update_himself', 422)
}
