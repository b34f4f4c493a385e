import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { Env } from '../config/env.ts'

type CookieEnv = Pick<Env, 'BARONG_SESSION_NAME' | 'BARONG_COOKIE_SECURE' | 'BARONG_DOMAIN' | 'BARONG_SESSION_ABSOLUTE_TIME'>

const secure = (env: CookieEnv) => env.BARONG_COOKIE_SECURE || env.BARONG_DOMAIN.startsWith('https://')

/** The session id from Barong's cookie; an ill-formed value counts as no cookie. */
export function readSessionCookie(c: Context, env: CookieEnv): string | undefined {
  const v = getCookie(c, env.BARONG_SESSION_NAME)
  return v && /^[A-Za-z0-9_-]{16,128}$/.test(v) ? v : undefined
}

export function writeSessionCookie(c: Context, env: CookieEnv, id: string): void {
  setCookie(c, env.BARONG_SESSION_NAME, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: secure(env),
    maxAge: env.BARONG_SESSION_ABSOLUTE_TIME,
  })
}

export function clearSessionCookie(c: Context, env: CookieEnv): void {
  deleteCookie(c, env.BARONG_SESSION_NAME, { path: '/', httpOnly: true, sameSite: 'Lax', secure: secure(env) })
}
