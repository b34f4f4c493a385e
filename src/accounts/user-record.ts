import type { User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import { uidOf } from './user-repository.ts'

/** ISO-8601 seconds, UTC, no fraction: Barong's entity time format. */
export const isoSeconds = (d: Date | null | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : null)

/** `as_json_for_event_api`: the user inside every event. */
export function userEventRecord(user: User, referralUid: string | null) {
  return {
    uid: user.uid,
    email: user.email,
    role: user.role,
    level: user.level,
    otp: user.otp,
    state: user.state,
    referral_uid: referralUid,
    created_at: isoSeconds(user.createdAt),
    updated_at: isoSeconds(user.updatedAt),
  }
}

/** The event record of a user, with its referrer's uid looked up. */
export async function userEventRecordOf(db: Executor, user: User) {
  return userEventRecord(user, user.referralId ? await uidOf(db, user.referralId) : null)
}
