import type { Context } from 'hono'
import { countMailRequest } from '../accounts/mail-request-limits.ts'
import { signIn as openSignedInSession } from '../accounts/sign-in.ts'
import type { Deps } from '../deps.ts'
import type { AppEnv } from '../http/env.ts'
import { AppError } from '../http/errors.ts'
import { requestMeta } from '../http/request-meta.ts'
import { readSessionCookie, writeSessionCookie } from '../http/session-cookie.ts'
import type { User } from '../storage/schema/index.ts'

export type IdentityDeps = Pick<Deps, 'config' | 'db' | 'store' | 'sessions' | 'clock' | 'keys' | 'secrets' | 'captcha' | 'relay' | 'deferred' | 'logger' | 'authzCache'>

/** Signs the user in on this response (a fresh session cookie); returns the CSRF token for the body. */
export async function signIn(c: Context<AppEnv>, deps: IdentityDeps, user: User): Promise<string> {
  const session = await openSignedInSession(deps, user, requestMeta(c), readSessionCookie(c, deps.config.env), deps.clock.now())
  writeSessionCookie(c, deps.config.env, session.id)
  c.header('Cache-Control', 'no-store')
  return session.data.csrf
}

/** Runs the captcha check when the endpoint is protected (it comes before any other logic). */
export async function checkCaptcha(
  deps: IdentityDeps,
  endpoint: 'user_create' | 'session_create' | 'password_reset' | 'email_confirmation',
  response: unknown,
): Promise<void> {
  if (deps.config.env.BARONG_CAPTCHA === 'none') return
  if (!deps.config.barong.captcha_protected_endpoints.includes(endpoint)) return
  const failure = await deps.captcha.verify(response, endpoint === 'session_create')
  if (failure) throw new AppError(failure.key, failure.status)
}

export const nowDate = (deps: Pick<Deps, 'clock'>) => new Date(deps.clock.now())

/**
 * Requests for a mailed code are limited per address and per IP (429 `identity.user.too_many_requests`),
 * counted whether or not an account has the address, so the answer tells nothing about it.
 */
export async function limitMailRequests(deps: IdentityDeps, email: string, ip: string): Promise<void> {
  const env = deps.config.env
  const limits = { emailMax: env.BARONG_MAIL_REQUEST_MAX, ipMax: env.BARONG_MAIL_REQUEST_IP_MAX, windowMs: env.BARONG_MAIL_REQUEST_WINDOW * 1000 }
  if (!(await countMailRequest(deps.store, limits, email, ip))) {
    throw new AppError('identity.user.too_many_requests', 429, { 'Retry-After': String(env.BARONG_MAIL_REQUEST_WINDOW) })
  }
}
