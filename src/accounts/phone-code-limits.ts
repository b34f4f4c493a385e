import { keys } from '../cache/keys.ts'
import type { Store } from '../cache/store.ts'
import { countInBuckets } from './rate-buckets.ts'

export interface PhoneCodeLimits {
  /** Codes sent per user. */
  userMax: number
  /** Codes sent per number, whichever user asks (one number cannot be flooded from many accounts). */
  numberMax: number
  /** Verification attempts per user: five digits would otherwise fall to guessing. */
  verifyMax: number
  windowMs: number
}

/** Counts a code about to be sent (add or send_code); true while within both budgets. */
export function countPhoneCode(store: Store, limits: PhoneCodeLimits, uid: string, number: string): Promise<boolean> {
  return countInBuckets(
    store,
    [
      { key: keys.phoneCodesUser(uid), max: limits.userMax },
      { key: keys.phoneCodesNumber(number), max: limits.numberMax },
    ],
    limits.windowMs,
  )
}

/** Counts a verification attempt; true while within the user's budget. */
export function countPhoneVerification(store: Store, limits: PhoneCodeLimits, uid: string): Promise<boolean> {
  return countInBuckets(store, [{ key: keys.phoneVerifyUser(uid), max: limits.verifyMax }], limits.windowMs)
}
