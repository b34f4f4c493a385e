import { commit } from '../accounts/commit.ts'
import { recordConfirmationEvent } from '../accounts/confirmation.ts'
import { upsertLabel } from '../accounts/labels.ts'
import { spendToken, verifyToken } from '../accounts/one-time-tokens.ts'
import { userEventRecordOf } from '../accounts/user-record.ts'
import { findUserByEmail, findUserByUidAndEmail, normalizeEmail } from '../accounts/user-repository.ts'
import { userWithFullInfo } from '../accounts/user-view.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { requestMeta } from '../http/request-meta.ts'
import { checkCaptcha, limitMailRequests, signIn, type IdentityDeps } from './context.ts'

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
      const user = await findUserByEmail(deps.db, email)
      const nowMs = deps.clock.now()
      if (user && user.state !== 'active') {
        deps.deferred.defer('email confirmation token', () => commit(deps, (w) => recordConfirmationEvent(w, deps, user), nowMs))
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
      const user = await findUserByUidAndEmail(deps.db, uid, email)
      if (!user || user.state === 'active') throw new AppError('identity.user.active_or_doesnt_exist', 422)
      const confirmed = await commit(deps, async (w) => {
        if (!(await spendToken(w.tx, 'confirmation', jti, nowMs))) return null
        const { user: u } = await upsertLabel(w, deps.config, user, { key: 'email', value: 'verified', scope: 'private' })
        await w.event('system.user.email.confirmed', { record: { user: await userEventRecordOf(w.tx, u), domain: deps.config.env.BARONG_DOMAIN } })
        return u
      })
      if (!confirmed) throw new AppError('identity.user.utilized_token', 422)
      // The confirmation link signs the user in, as Barong's does.
      const csrf = await signIn(c, deps, confirmed)
      return c.json(await userWithFullInfo(deps, confirmed, csrf), 201)
    },
  })
}
