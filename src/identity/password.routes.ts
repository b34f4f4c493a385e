import { and, eq } from 'drizzle-orm'
import { recordUserActivity, type RequestMeta } from '../accounts/activities.ts'
import { issueToken, spendToken, verifyToken } from '../accounts/one-time-tokens.ts'
import { destroyUserSessions } from '../accounts/sessions.ts'
import { userEventRecord } from '../accounts/user-record.ts'
import { normalizeEmail, passwordPolicyOf, uidOf } from '../accounts/users.ts'
import { checkPassword } from '../accounts/password-strength.ts'
import { hashPassword } from '../crypto/password.ts'
import { recordEvent } from '../events/outbox.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { users, type User } from '../storage/schema/index.ts'
import { withTx } from '../storage/tx.ts'
import { checkCaptcha, limitMailRequests, requestMeta, type IdentityDeps } from './context.ts'

class WeakPassword extends Error {
  constructor(readonly key: string) {
    super(key)
  }
}

/** The reset token goes to the stored address only. */
async function sendResetToken(deps: IdentityDeps, user: User, meta: RequestMeta, nowMs: number): Promise<void> {
  await withTx(deps.db, async (tx) => {
    const token = await issueToken(tx, deps.keys, { kind: 'reset', userId: user.id, email: user.email, uid: user.uid, ttlSec: deps.config.env.BARONG_JWT_EXPIRE_TIME }, nowMs)
    await recordUserActivity(tx, meta, { userId: user.id, topic: 'password', action: 'request password reset', result: 'succeed' }, new Date(nowMs))
    const referral = user.referralId ? await uidOf(tx, user.referralId) : null
    await recordEvent(tx, 'system.user.password.reset.token', { record: { user: userEventRecord(user, referral), domain: deps.config.env.BARONG_DOMAIN, token } })
  })
  deps.relay.kick()
}

export function registerPasswordRoutes(api: Api, deps: IdentityDeps) {
  const domain = deps.config.env.BARONG_DOMAIN

  api.add({
    method: 'post',
    path: '/identity/users/password/generate_code',
    tag: 'identity',
    prefix: 'identity.user',
    summary: 'Send a password reset token',
    status: 201,
    params: { email: { type: 'string', required: true, allowBlank: false }, captcha_response: { type: 'any' } },
    handler: async (c, p) => {
      await checkCaptcha(deps, 'password_reset', p.captcha_response)
      const email = normalizeEmail(p.email)
      const meta = requestMeta(c)
      await limitMailRequests(deps, email, meta.ip)
      // One indexed read on both branches; the token work, which only a known address would cost, runs after
      // the answer: known and unknown addresses answer alike, as fast.
      const [user] = await deps.db.select().from(users).where(eq(users.email, email)).limit(1)
      const nowMs = deps.clock.now()
      if (user) deps.deferred.defer('password reset token', () => sendResetToken(deps, user, meta, nowMs))
      return c.json(201, 201)
    },
  })

  api.add({
    method: 'post',
    path: '/identity/users/password/confirm_code',
    tag: 'identity',
    prefix: 'identity.user',
    summary: 'Set a new password with a reset token',
    status: 201,
    params: {
      reset_password_token: { type: 'string', required: true, allowBlank: false, missing: 'identity.user.missing_pass_token' },
      password: { type: 'string', required: true, allowBlank: false },
      confirm_password: { type: 'string', required: true, allowBlank: false },
    },
    handler: async (c, p) => {
      if (p.password !== p.confirm_password) throw new AppError('identity.user.passwords_doesnt_match', 422)
      const nowMs = deps.clock.now()
      const verified = await verifyToken(deps.keys, p.reset_password_token, 'reset', nowMs)
      if (!verified.ok) throw new AppError(verified.key, 422)
      const [user] = await deps.db
        .select()
        .from(users)
        .where(and(eq(users.uid, verified.claims.uid), eq(users.email, normalizeEmail(verified.claims.email))))
        .limit(1)
      if (!user) throw new AppError('identity.user.utilized_token', 422)
      const meta = requestMeta(c)
      const now = new Date(nowMs)
      try {
        const changed = await withTx(deps.db, async (tx) => {
          const spent = await spendToken(tx, 'reset', verified.claims.jti, nowMs)
          if (!spent || spent.userId !== user.id) return false
          // A weak password rolls back, leaving the token usable for a better one.
          const weak = checkPassword(p.password, passwordPolicyOf(deps.config))
          if (weak) throw new WeakPassword(weak)
          const [updated] = await tx.update(users).set({ passwordDigest: await hashPassword(p.password), updatedAt: now }).where(eq(users.id, user.id)).returning()
          await recordUserActivity(tx, meta, { userId: user.id, topic: 'password', action: 'password reset', result: 'succeed' }, now)
          const referral = user.referralId ? await uidOf(tx, user.referralId) : null
          // Only password_digest changed, which the record does not show: Barong still emits the update (docs/barong-behaviour-notes.md#s8).
          await recordEvent(tx, 'model.user.updated', { record: userEventRecord(updated ?? user, referral), changes: {} })
          await recordEvent(tx, 'system.user.password.reset', { record: { user: userEventRecord(user, referral), domain } })
          return true
        })
        if (!changed) throw new AppError('identity.user.utilized_token', 422)
      } catch (err) {
        if (!(err instanceof WeakPassword)) throw err
        await recordUserActivity(deps.db, meta, { userId: user.id, topic: 'password', action: 'password reset', result: 'failed', reason: err.key }, now)
        throw new AppError(err.key, 422)
      }
      deps.relay.kick()
      // A reset ends every session of the user.
      await destroyUserSessions(deps.store, user.uid)
      return c.json(201, 201)
    },
  })
}
