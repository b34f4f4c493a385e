import { and, eq, isNull, lt, or } from 'drizzle-orm'
import type { SecretBox } from '../crypto/secretbox.ts'
import { verifyTotp } from '../crypto/totp.ts'
import { users, type User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'

/**
 * Checks a user's TOTP code and spends its time-step: the step is stored with a compare-and-set in
 * Postgres, so a code works once even across instances and a store flush (RFC 6238 §5.2).
 */
export async function checkUserOtp(db: Executor, secrets: SecretBox, user: User, code: string, nowMs: number): Promise<boolean> {
  if (!user.otpSecretEncrypted) return false
  let secret: string
  try {
    secret = secrets.open(user.otpSecretEncrypted)
  } catch {
    return false
  }
  const result = verifyTotp(secret, code, nowMs, user.otpLastStep)
  if (!result.ok) return false
  const spent = await db
    .update(users)
    .set({ otpLastStep: result.step })
    .where(and(eq(users.id, user.id), or(isNull(users.otpLastStep), lt(users.otpLastStep, result.step))))
    .returning({ id: users.id })
  return spent.length === 1
}
