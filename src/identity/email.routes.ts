import { and, eq } from 'drizzle-orm'
import { presentUserWithFullInfo } from '../accounts/entities.ts'
import { upsertLabel } from '../accounts/labels.ts'
import { spendToken, verifyToken } from '../accounts/one-time-tokens.ts'
import { userEventRecord } from '../accounts/user-record.ts'
import { normalizeEmail, uidOf } from '../accounts/users.ts'
import { recordEvent } from '../events/outbox.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { users } from '../storage/schema/index.ts'
import { withTx } from '../storage/tx.ts'
import { checkCaptcha, limitMailRequests, nowDate, requestMeta, signIn, userChanged, type IdentityDeps } from './context.ts'
import { recordConfirmationEvent } from './users.routes.ts'

export function registerEmailRoutes(api: Api, deps: IdentityDeps) {
  api.add({
    method: 'post',
    path: '/identity/users/email/generate_code',
    tag: 'identity',
    prefix: 'identity.user',
    summary: 'Send a new email confirmation token',
    status: 201,
    params: { email: { type: 'string', required: true, allowBlank: false }, captcha_response: { type: 'any' } },
    handler: async (c, p) => {
      await checkCaptcha(deps, 'email_confirmation', p.captcha_response)
      const email = normalizeEmail(p.email)
      await limitMailRequests(deps, email, requestMeta(c).ip)
      // One indexed read on both branches; the token work runs after the answer: registered or not, the
      // answer is the same, as fast.
      const [user] = await deps.db.select().from(users).where(eq(users.email, email)).limit(1)
      const nowMs = deps.clock.now()
      if (user && user.state !== 'active') {
        deps.deferred.defer('email confirmation token', async () => {
          await withTx(deps.db, (tx) => recordConfirmationEvent(tx, deps, user, nowMs))
          deps.relay.kick()
        })
      }
      return c.json(201, 201)
    },
  })

  api.add({
    method: 'post',
    path: '/identity/users/email/confirm_code',
    tag: 'identity',
    prefix: 'identity.user',
    summary: 'Confirm an email with its token',
    status: 201,
    params: { token: { type: 'string', required: true, allowBlank: false } },
    handler: async (c, p) => {
      const nowMs = deps.clock.now()
      const verified = await verifyToken(deps.keys, p.token, 'confirmation', nowMs)
      if (!verified.ok) throw new AppError(verified.key, 422)
      const { uid, email, jti } = verified.claims
      const [user] = await deps.db.select().from(users).where(and(eq(users.uid, uid), eq(users.email, normalizeEmail(email)))).limit(1)
      if (!user || user.state === 'active') throw new AppError('identity.user.active_or_doesnt_exist', 422)
      const now = nowDate(deps)
      const confirmed = await withTx(deps.db, async (tx) => {
        if (!(await spendToken(tx, 'confirmation', jti, nowMs))) return null
        const { user: u } = await upsertLabel(tx, deps.config, user, { key: 'email', value: 'verified', scope: 'private' }, now)
        const referral = u.referralId ? await uidOf(tx, u.referralId) : null
        await recordEvent(tx, 'system.user.email.confirmed', { record: { user: userEventRecord(u, referral), domain: deps.config.env.BARONG_DOMAIN } })
        return u
      })
      if (!confirmed) throw new AppError('identity.user.utilized_token', 422)
      deps.relay.kick()
      await userChanged(deps, confirmed.uid)
      // The confirmation link signs the user in, as Barong's does.
      const csrf = await signIn(c, deps, confirmed)
      return c.json(await presentUserWithFullInfo(deps.db, confirmed, csrf), 201)
    },
  })
}
