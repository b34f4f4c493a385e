import { recordUserActivity, type RequestMeta } from '../accounts/activities.ts'
import { commit } from '../accounts/commit.ts'
import { issueToken, spendToken, verifyToken } from '../accounts/one-time-tokens.ts'
import { userEventRecordOf } from '../accounts/user-record.ts'
import { findUserByEmail, findUserByUidAndEmail, normalizeEmail } from '../accounts/user-repository.ts'
import { passwordPolicyOf, setPassword } from '../accounts/users.ts'
import { checkPassword } from '../accounts/password-strength.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { requestMeta } from '../http/request-meta.ts'
import type { User } from '../storage/schema/index.ts'
import { checkCaptcha, limitMailRequests, type IdentityDeps } from './context.ts'

class WeakPassword extends Error {
  constructor(readonly key: string) {
    super(key)
  }
}

/** The reset token goes to the stored address only. */
async function sendResetToken(deps: IdentityDeps, user: User, meta: RequestMeta, nowMs: number): Promise<void> {
  await commit(
    deps,
    async (w) => {
      const token = await issueToken(w.tx, deps.keys, { kind: 'reset', userId: user.id, email: user.email, uid: user.uid, ttlSec: deps.config.env.BARONG_JWT_EXPIRE_TIME }, nowMs)
      await recordUserActivity(w.tx, meta, { userId: user.id, topic: 'password', action: 'request password reset', result: 'succeed' }, w.now)
      await w.event('system.user.password.reset.token', { record: { user: await userEventRecordOf(w.tx, user), domain: deps.config.env.BARONG_DOMAIN, token } })
    },
    nowMs,
  )
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
      const user = await findUserByEmail(deps.db, email)
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
      const user = await findUserByUidAndEmail(deps.db, verified.claims.uid, verified.claims.email)
      if (!user) throw new AppError('identity.user.utilized_token', 422)
      const meta = requestMeta(c)
      const now = new Date(nowMs)
      try {
        const changed = await commit(deps, async (w) => {
          const { tx } = w
          const spent = await spendToken(tx, 'reset', verified.claims.jti, nowMs)
          if (!spent || spent.userId !== user.id) return false
          // A weak password rolls back, leaving the token usable for a better one.
          const weak = checkPassword(p.password, passwordPolicyOf(deps.config))
          if (weak) throw new WeakPassword(weak)
          const record = await setPassword(w, user, p.password)
          await recordUserActivity(tx, meta, { userId: user.id, topic: 'password', action: 'password reset', result: 'succeed' }, now)
          await w.event('system.user.password.reset', { record: { user: record, domain } })
          return true
        })
        if (!changed) throw new AppError('identity.user.utilized_token', 422)
      } catch (err) {
        if (!(err instanceof WeakPassword)) throw err
        await recordUserActivity(deps.db, meta, { userId: user.id, topic: 'password', action: 'password reset', result: 'failed', reason: err.key }, now)
        throw new AppError(err.key, 422)
      }
      // A reset ends every session of the user.
      await deps.sessions.endAllOf(user.uid)
      return c.json(201, 201)
    },
  })
}
