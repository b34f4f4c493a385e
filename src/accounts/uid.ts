import { randomBytes } from 'node:crypto'

/** Barong's uid: the upper-cased prefix and 10 upper-case hex characters (5 random bytes). */
export function generateUid(prefix: string): string {
  return prefix.toUpperCase() + randomBytes(5).toString('hex').toUpperCase()
}
