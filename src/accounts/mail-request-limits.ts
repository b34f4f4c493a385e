import { keys } from '../cache/keys.ts'
import type { Store } from '../cache/store.ts'
import { countInBuckets } from './rate-buckets.ts'

/**
 * Counts a request for a mailed code (password reset, email confirmation) against the address and
 * the IP. The address bucket is keyed by the canonical email whether or not an account has it, so a
 * 429 reveals nothing; both endpoints share it, which bounds the mail one address can be sent.
 */
export function countMailRequest(store: Store, limits: { emailMax: number; ipMax: number; windowMs: number }, email: string, ip: string): Promise<boolean> {
  return countInBuckets(
    store,
    [
      { key: keys.mailRequestsEmail(email), max: limits.emailMax },
      { key: keys.mailRequestsIp(ip), max: limits.ipMax },
    ],
    limits.windowMs,
  )
}
