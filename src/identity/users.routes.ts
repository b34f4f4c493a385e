import { createHash } from 'node:crypto'
import { isIP } from 'node:net'
import { eq } from 'drizzle-orm'
import { recordUserActivity } from '../accounts/activities.ts'
import { presentUserWithFullInfo } from '../accounts/entities.ts'
import { announce, bumpVersion } from '../accounts/invalidation.ts'
import { issueToken } from '../accounts/one-time-tokens.ts'
import { userEventRecord } from '../accounts/user-record.ts'
import { insertUser, validateNewUser } from '../accounts/users.ts'
import { restrictionCode } from '../authz/restriction-codes.ts'
import { keys as storeKeys } from '../cache/keys.ts'
import { recordEvent } from '../events/outbox.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { restrictions, users, type User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import { withTx } from '../storage/tx.ts'
import { checkCaptcha, nowDate, requestMeta, signIn, type IdentityDeps } from './context.ts'

const isUniqueViolation = (err: unknown): boolean => {
  for (let e: unknown = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    if ((e as { code?: unknown }).code === '23505') return true
  }
  return false
}

/** Records `system.user.email.confirmation.token` with a fresh single-use token in `record.token`, where Barong's mailer reads it. */
export async function recordConfirmationEvent(tx: Executor, deps: IdentityDeps, user: User, nowMs: number): Promise<void> {
  const token = await issueToken(tx, deps.keys, { kind: 'confirmation', userId: user.id, email: user.email, uid: user.uid, ttlSec: deps.config.env.BARONG_JWT_EXPIRE_TIME }, nowMs)
  await recordEvent(tx, 'system.user.email.confirmation.token', {
    record: { user: userEventRecord(user, null), domain: deps.config.env.BARONG_DOMAIN, token },
  })
}

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
        const [ref] = await deps.db.select({ id: users.id }).from(users).where(eq(users.uid, refid)).limit(1)
        if (!ref) throw new AppError('identity.user.referral_doesnt_exist', 422)
        referralId = ref.id
      }
      const input = { email: p.email, password: p.password, data: p.data ?? null, referralId }
      const errs = await validateNewUser(deps.db, deps.config, input)
      if (errs.length) throw new AppError(errs, 422)
      const now = nowDate(deps)
      let user: User
      try {
        user = await withTx(deps.db, async (tx) => {
          const u = await insertUser(tx, deps.config, input, now)
          await recordUserActivity(tx, requestMeta(c), { userId: u.id, topic: 'account', action: 'signup', result: 'succeed' }, now)
          await recordConfirmationEvent(tx, deps, u, deps.clock.now())
          return u
        })
      } catch (err) {
        // Two sign-ups racing for one address: the loser gets Barong's answer.
        if (isUniqueViolation(err)) throw new AppError('email.taken', 422)
        throw err
      }
      deps.relay.kick()
      const csrf = await signIn(c, deps, user)
      return c.json(await presentUserWithFullInfo(deps.db, user, csrf), 201)
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
      const now = nowDate(deps)
      const created = await withTx(deps.db, async (tx) => {
        const rows = await tx
          .insert(restrictions)
          .values({ category: 'whitelist', scope: 'ip', value: ip, state: 'enabled', code: restrictionCode('whitelist', 'ip', null), createdAt: now, updatedAt: now })
          .onConflictDoNothing()
          .returning({ id: restrictions.id })
        if (rows.length) await bumpVersion(tx, 'restrictions', now)
        return rows.length > 0
      })
      if (!created) throw new AppError('value.taken', 422)
      await announce(deps.store, 'restrictions')
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
