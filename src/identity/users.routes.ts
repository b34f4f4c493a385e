import { createHash } from 'node:crypto'
import { isIP } from 'node:net'
import { recordUserActivity } from '../accounts/activities.ts'
import { commit } from '../accounts/commit.ts'
import { recordConfirmationEvent } from '../accounts/confirmation.ts'
import { userIdOfUid } from '../accounts/user-repository.ts'
import { userWithFullInfo } from '../accounts/user-view.ts'
import { insertUser, validateNewUser } from '../accounts/users.ts'
import { restrictionCode } from '../authz/core/restriction-codes.ts'
import { keys as storeKeys } from '../cache/keys.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { requestMeta } from '../http/request-meta.ts'
import { restrictions, type User } from '../storage/schema/index.ts'
import { isUniqueViolation } from '../util/errors.ts'
import { checkCaptcha, signIn, type IdentityDeps } from './context.ts'

export function registerUserRoutes(api: Api, deps: IdentityDeps) {
  const env = deps.config.env

  api.add({
    method: 'post',
    path: '/identity/users',
    tag: 'identity',
    prefix: 'identity.user',
    summary: 'Creates new user',
    status: 201,
    params: {
      email: { type: 'string', required: true, allowBlank: false },
      password: { type: 'string', required: true, allowBlank: false },
      refid: { type: 'string' },
      captcha_response: { type: 'any' },
      data: { type: 'string' },
    },
    handler: async (c, p) => {
      await checkCaptcha(deps, 'user_create', p.captcha_response)
      let referralId: number | null = null
      // An empty refid is a format error in Barong too, not "no referral".
      if (p.refid !== undefined) {
        const refid = p.refid.toUpperCase()
        if (!p.refid.startsWith(env.BARONG_UID_PREFIX)) throw new AppError('identity.user.invalid_referral_format', 422)
        referralId = await userIdOfUid(deps.db, refid)
        if (referralId === null) throw new AppError('identity.user.referral_doesnt_exist', 422)
      }
      const input = { email: p.email, password: p.password, data: p.data ?? null, referralId }
      const errs = await validateNewUser(deps.db, deps.config, input)
      if (errs.length) throw new AppError(errs, 422)
      let user: User
      try {
        user = await commit(deps, async (w) => {
          const u = await insertUser(w, deps.config, input)
          await recordUserActivity(w.tx, requestMeta(c), { userId: u.id, topic: 'account', action: 'signup', result: 'succeed' }, w.now)
          await recordConfirmationEvent(w, deps, u)
          return u
        })
      } catch (err) {
        // Two sign-ups racing for one address: the loser gets Barong's answer.
        if (isUniqueViolation(err)) throw new AppError('email.taken', 422)
        throw err
      }
      const csrf = await signIn(c, deps, user)
      return c.json(await userWithFullInfo(deps, user, csrf), 201)
    },
  })

  api.add({
    method: 'post',
    path: '/identity/users/access',
    tag: 'identity',
    prefix: 'identity.user',
    summary: 'Whitelist the caller IP with a whitelink token',
    status: 201,
    params: { whitelink_token: { type: 'string', required: true, allowBlank: false } },
    handler: async (c, p) => {
      const hash = createHash('sha256').update(p.whitelink_token).digest('hex')
      if ((await deps.store.get(storeKeys.whitelink(hash))) !== 'active') throw new AppError('identity.user.access.invalid_token', 422)
      const ip = c.var.clientIp
      if (isIP(ip) !== 4) throw new AppError('value.invalid', 422)
      const created = await commit(deps, async (w) => {
        const rows = await w.tx
          .insert(restrictions)
          .values({ category: 'whitelist', scope: 'ip', value: ip, state: 'enabled', code: restrictionCode('whitelist', 'ip', null), createdAt: w.now, updatedAt: w.now })
          .onConflictDoNothing()
          .returning({ id: restrictions.id })
        if (rows.length) w.tableChanged('restrictions')
        return rows.length > 0
      })
      if (!created) throw new AppError('value.taken', 422)
      return c.json(201, 201)
    },
  })

  api.add({
    method: 'get',
    path: '/identity/users/register_geetest',
    tag: 'identity',
    prefix: 'identity.user',
    summary: 'Register GeeTest captcha',
    handler: async (c) => c.json(await deps.captcha.register()),
  })
}
