import { keys } from '../cache/keys.ts'
import type { Store } from '../cache/store.ts'

export interface LoginLimits {
  accountMax: number
  ipMax: number
  windowMs: number
}

/**
 * Counts an attempt before the password is checked (INCR-before-verify), so a burst of parallel
 * guesses cannot all slip in before the counter catches up. The account bucket is keyed by the
 * canonical email whether or not the account exists, so the answer reveals nothing.
 */
export async function countLoginAttempt(store: Store, limits: LoginLimits, email: string, ip: string): Promise<boolean> {
  const [acct, perIp] = await Promise.all([
    store.incr(keys.loginFailuresAccount(email), limits.windowMs),
    store.incr(keys.loginFailuresIp(ip), limits.windowMs),
  ])
  return acct <= limits.accountMax && perIp <= limits.ipMax
}

/** A successful login clears the account's bucket (not the IP's: one IP may try many accounts). */
export async function clearLoginAttempts(store: Store, email: string): Promise<void> {
  await store.del(keys.loginFailuresAccount(email))
}
