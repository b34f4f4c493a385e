import { keys } from '../cache/keys.ts'
import type { Store } from '../cache/store.ts'
import { countInBuckets } from './rate-buckets.ts'

export interface LoginLimits {
  accountMax: number
  ipMax: number
  windowMs: number
}

/**
 * Counts an attempt before the password is checked. The account bucket is keyed by the canonical
 * email whether or not the account exists, so the answer reveals nothing.
 */
export function countLoginAttempt(store: Store, limits: LoginLimits, email: string, ip: string): Promise<boolean> {
  return countInBuckets(
    store,
    [
      { key: keys.loginFailuresAccount(email), max: limits.accountMax },
      { key: keys.loginFailuresIp(ip), max: limits.ipMax },
    ],
    limits.windowMs,
  )
}

/**
 * A successful login clears the account's bucket and gives back the attempt it took from the IP's:
 * only failures count against an IP, so people behind one NAT do not lock each other out.
 */
export async function clearLoginAttempts(store: Store, email: string, ip: string): Promise<void> {
  await store.writeAll([
    { op: 'del', key: keys.loginFailuresAccount(email) },
    { op: 'decr', key: keys.loginFailuresIp(ip) },
  ])
}
