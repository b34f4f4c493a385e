import { and, eq } from 'drizzle-orm'
import type { Config } from '../config/index.ts'
import type { SecretBox } from '../crypto/secretbox.ts'
import { generateTotpSecret } from '../crypto/totp.ts'
import { labels, type User } from '../storage/schema/index.ts'
import { deactivateApiKeys } from './api-keys.ts'
import type { Work } from './commit.ts'
import { deleteLabel, findLabel, upsertLabel } from './labels.ts'
import { userEventRecordOf } from './user-record.ts'
import { updateUser } from './user-repository.ts'

/**
 * A user's 2FA (docs/barong-behaviour-notes.md#s4-3-7, #s9-3): a fresh seed replaces any earlier one (as Vault's
 * `generate=true`), sealed at rest; its last accepted step is forgotten with it.
 */
export async function replaceTotpSecret(w: Work, secrets: SecretBox, user: User): Promise<string> {
  const secret = generateTotpSecret()
  await updateUser(w.tx, user.id, { otpSecretEncrypted: secrets.seal(secret), otpLastStep: null })
  return secret
}

async function setOtp(w: Work, user: User, otp: boolean): Promise<User> {
  const updated = await updateUser(w.tx, user.id, { otp, updatedAt: w.now })
  w.userChanged(updated.uid)
  await w.event('model.user.updated', { record: await userEventRecordOf(w.tx, updated), changes: { otp: user.otp } })
  return updated
}

/** `otp` on, and the private label `otp:enabled` (level and state follow through the label module). */
export async function enableTwoFactor(w: Work, config: Config, user: User): Promise<User> {
  const updated = await setOtp(w, user, true)
  if (await findLabel(w.tx, user.id, 'otp', 'private')) return updated
  return (await upsertLabel(w, config, updated, { key: 'otp', value: 'enabled', scope: 'private' })).user
}

/** `otp` off: every API key switched off (it would no longer authenticate anyway) and the `otp` label removed. */
export async function disableTwoFactor(w: Work, config: Config, user: User): Promise<User> {
  let updated = await setOtp(w, user, false)
  await deactivateApiKeys(w, user.id)
  const otpLabels = await w.tx.select().from(labels).where(and(eq(labels.userId, user.id), eq(labels.key, 'otp')))
  for (const label of otpLabels) updated = await deleteLabel(w, config, updated, label)
  return updated
}
