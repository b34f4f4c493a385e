import type { Context } from 'hono'
import { recordUserActivity, userActivityRow } from '../accounts/activities.ts'
import { append } from '../accounts/commit.ts'
import { clearLoginAttempts, countLoginAttempt } from '../accounts/login-limits.ts'
import { checkUserOtp } from '../accounts/otp.ts'
import { safeEqual } from '../util/safe-equal.ts'
import { userEventRecordOf } from '../accounts/user-record.ts'
import { findUserByEmail, findUserByUid, normalizeEmail, updateUser } from '../accounts/user-repository.ts'
import { userWithFullInfo } from '../accounts/user-view.ts'
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from '../crypto/password.ts'
import type { Api } from '../http/api.ts'
import type { AppEnv } from '../http/env.ts'
import { AppError } from '../http/errors.ts'
import { originTrusted } from '../http/cors.ts'
import { clearSessionCookie, readSessionCookie } from '../http/session-cookie.ts'
import { requestMeta } from '../http/request-meta.ts'
import type { User } from '../storage/schema/index.ts'
import { checkCaptcha, nowDate, signIn, type IdentityDeps } from './context.ts'

const REASONS = {
  banned: 'Your account is banned',
  deleted: 'Your account is deleted',
  notActive: 'Your account is not active',
  invalid: 'Invalid Email or Password',
  otp: 'OTP code is invalid',
} as const

export function registerSessionRoutes(api: Api, deps: IdentityDeps) {
  const env = deps.config.env
  const limits = { accountMax: env.BARONG_LOGIN_MAX_ATTEMPTS, ipMax: env.BARONG_LOGIN_IP_MAX_ATTEMPTS, windowMs: env.BARONG_LOGIN_ATTEMPT_WINDOW * 1000 }

  const failed = async (c: Context<AppEnv>, user: User, action: string, reason: string, key: string, status: 401 | 403): Promise<never> => {
    await recordUserActivity(deps.db, requestMeta(c), { userId: user.id, topic: 'session', action, result: 'failed', reason }, nowDate(deps))
    throw new AppError(key, status)
  }

  api.add({
    method: 'post',
    path: '/identity/sessions',
    tag: 'identity',
    prefix: 'identity.session',
    summary: 'Start a new session',
    status: 200,
    params: {
      email: { type: 'any', required: true },
      // Not typed: a password of another type is a wrong password (401), as in Barong, not a 422.
      password: { type: 'any', required: true },
      // String or object (GeeTest's fields), whatever the captcha mode; an array is neither.
      captcha_response: { type: 'any', check: (v) => (typeof v === 'string' || (v !== null && typeof v === 'object' && !Array.isArray(v)) ? null : 'identity.session.invalid_captcha_format') },
      otp_code: { type: 'string' },
    },
    handler: async (c, p) => {
      await checkCaptcha(deps, 'session_create', p.captcha_response)
      const email = typeof p.email === 'string' ? normalizeEmail(p.email) : ''
      const password = typeof p.password === 'string' ? p.password : null
      const meta = requestMeta(c)
      if (!(await countLoginAttempt(deps.store, limits, email, meta.ip))) {
        throw new AppError('identity.session.too_many_attempts', 429, { 'Retry-After': String(env.BARONG_LOGIN_ATTEMPT_WINDOW) })
      }
      const user = email ? await findUserByEmail(deps.db, email) : null
      // The password is checked before anything about the account is revealed (no enumeration).
      if (!user) {
        await burnPasswordCheck(password ?? '')
        throw new AppError('identity.session.invalid_params', 401)
      }
      if (password === null) {
        await burnPasswordCheck('')
        return failed(c, user, 'login', REASONS.invalid, 'identity.session.invalid_params', 401)
      }
      if (!(await verifyPassword(user.passwordDigest, password))) {
        await failed(c, user, 'login', REASONS.invalid, 'identity.session.invalid_params', 401)
      }
      if (user.state === 'banned') await failed(c, user, 'login', REASONS.banned, 'identity.session.banned', 401)
      if (user.state === 'deleted') await failed(c, user, 'login', REASONS.deleted, 'identity.session.deleted', 401)
      if (user.state !== 'active' && user.state !== 'pending') await failed(c, user, 'login', REASONS.notActive, 'identity.session.not_active', 401)
      let action = 'login'
      if (user.otp) {
        action = 'login::2fa'
        if (!p.otp_code || p.otp_code.trim() === '') throw new AppError('identity.session.missing_otp', 401)
        // A reused code is refused like a wrong one: the answer never says a code was once valid.
        if (!(await checkUserOtp(deps.db, deps.secrets, user, p.otp_code.trim(), deps.clock.now()))) {
          await failed(c, user, action, REASONS.otp, 'identity.session.invalid_otp', 403)
        }
      }
      await clearLoginAttempts(deps.store, email, meta.ip)
      // Imported bcrypt (or older Argon2 parameters): upgraded now that the plain password is known.
      const fresh = needsRehash(user.passwordDigest) ? await updateUser(deps.db, user.id, { passwordDigest: await hashPassword(password) }) : user
      await append(deps, {
        activities: [userActivityRow(meta, { userId: fresh.id, topic: 'session', action, result: 'succeed' }, nowDate(deps))],
        events: [{ name: 'system.session.create', body: { record: { user: await userEventRecordOf(deps.db, fresh), user_ip: meta.ip, user_agent: meta.ua } } }],
      })
      const csrf = await signIn(c, deps, fresh)
      return c.json(await userWithFullInfo(deps, fresh, csrf), 200)
    },
  })

  api.add({
    method: 'delete',
    path: '/identity/sessions',
    tag: 'identity',
    prefix: 'identity.session',
    summary: 'Destroy the current session',
    status: 200,
    handler: async (c) => {
      const id = readSessionCookie(c, env)
      const session = id ? await deps.sessions.read(id) : null
      const user = session ? await findUserByUid(deps.db, session.data.uid) : null
      if (!session || !user) throw new AppError('identity.session.not_found', 404)
      if (env.BARONG_CSRF_PROTECTION) {
        // Logout is CSRF-checked (Barong's is not), but the exchange front end sends no token: without one, only
        // the service's own or a listed origin may sign a user out (docs/differences-from-barong.md#d11).
        const token = c.req.header('x-csrf-token')
        if (!token && !originTrusted(env, c.req.header('origin'), new URL(c.req.url).host, c.req.header('sec-fetch-site'))) throw new AppError('authz.missing_csrf_token', 401)
        if (token && !safeEqual(token, session.data.csrf)) throw new AppError('authz.csrf_token_mismatch', 401)
      }
      await recordUserActivity(deps.db, requestMeta(c), { userId: user.id, topic: 'session', action: 'logout', result: 'succeed' }, nowDate(deps))
      await deps.sessions.end(session)
      clearSessionCookie(c, env)
      return c.json(200, 200)
    },
  })
}
