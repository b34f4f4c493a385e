import type { Config } from '../config/index.ts'
import type { SigningKeys } from '../crypto/keys.ts'
import type { User } from '../storage/schema/index.ts'
import type { Work } from './commit.ts'
import { issueToken } from './one-time-tokens.ts'
import { userEventRecord } from './user-record.ts'

/**
 * Records `system.user.email.confirmation.token` with a fresh single-use token in `record.token`, where
 * Barong's mailer reads it (sign-up and resend).
 */
export async function recordConfirmationEvent(w: Work, deps: { keys: SigningKeys; config: Pick<Config, 'env'> }, user: User): Promise<void> {
  const env = deps.config.env
  const token = await issueToken(w.tx, deps.keys, { kind: 'confirmation', userId: user.id, email: user.email, uid: user.uid, ttlSec: env.BARONG_JWT_EXPIRE_TIME }, w.nowMs)
  // referral_uid null here, as this event has always carried it.
  await w.event('system.user.email.confirmation.token', { record: { user: userEventRecord(user, null), domain: env.BARONG_DOMAIN, token } })
}
