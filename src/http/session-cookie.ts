import type { Context } from 'hono'
import { serialize, type CookieOptions } from 'hono/utils/cookie'
import type { Env } from '../config/env.ts'

type CookieEnv = Pick<Env, 'BARONG_SESSION_NAME' | 'BARONG_COOKIE_SECURE' | 'BARONG_DOMAIN' | 'BARONG_SESSION_ABSOLUTE_TIME'>

const secure = (env: CookieEnv) => env.BARONG_COOKIE_SECURE || env.BARONG_DOMAIN.startsWith('https://')

const SESSION_ID = /^[A-Za-z0-9_-]{16,128}$/

/** The session id from Barong's cookie; an ill-formed value counts as no cookie. */
export function readSessionCookie(c: Context, env: CookieEnv): string | undefined {
  return sessionIdFromHeader(c.req.header('cookie'), env.BARONG_SESSION_NAME)
}

/**
 * The same from a raw Cookie header (the fast path has no Hono context). Two cookies of that name are
 * ambiguous (cookie tossing): none is taken.
 */
export function sessionIdFromHeader(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  let found: string | undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue
    if (found !== undefined) return undefined
    found = part.slice(eq + 1).trim()
  }
  return found && SESSION_ID.test(found) ? found : undefined
}

const attributes = (env: CookieEnv, maxAge: number): CookieOptions => ({ path: '/', httpOnly: true, sameSite: 'Lax', secure: secure(env), maxAge })

/** What comes before and after Max-Age in Hono's serialization, per settings: the gateway re-sends the cookie on every
 *  allowed decision, and building it through `serialize` cost about 0.6 µs of a 32 µs decision (BENCH_PROFILE=1). */
const framing = new WeakMap<CookieEnv, { head: string; tail: string } | null>()

function framingOf(env: CookieEnv) {
  let f = framing.get(env)
  if (f === undefined) {
    // Hono's own output (which validates the name) around a marker: the fast form cannot drift from it. A cookie
    // name has no `=`, so the first one ends it. Should Hono ever order the attributes otherwise: no framing.
    const marker = '=v; Max-Age=0'
    const sample = serialize(env.BARONG_SESSION_NAME, 'v', attributes(env, 0))
    const at = sample.indexOf(marker)
    framing.set(env, (f = at < 0 ? null : { head: sample.slice(0, at + 1), tail: sample.slice(at + marker.length) }))
  }
  return f
}

/** The session cookie as a Set-Cookie value (also written by the raw fast path, which has no Hono context). */
export function sessionCookieHeader(env: CookieEnv, id: string, maxAgeSec: number): string {
  const maxAge = Math.max(0, Math.floor(maxAgeSec))
  // Ids of the session format need no encoding; anything else takes Hono's path (which encodes it).
  const f = SESSION_ID.test(id) ? framingOf(env) : null
  return f ? `${f.head}${id}; Max-Age=${maxAge}${f.tail}` : serialize(env.BARONG_SESSION_NAME, id, attributes(env, maxAge))
}

/** The Set-Cookie value that clears the session cookie (logout, session mismatch: docs/barong-behaviour-notes.md#s2). */
export function clearedSessionCookieHeader(env: CookieEnv): string {
  return serialize(env.BARONG_SESSION_NAME, '', attributes(env, 0))
}

export function writeSessionCookie(c: Context, env: CookieEnv, id: string): void {
  c.header('Set-Cookie', sessionCookieHeader(env, id, env.BARONG_SESSION_ABSOLUTE_TIME), { append: true })
}

export function clearSessionCookie(c: Context, env: CookieEnv): void {
  c.header('Set-Cookie', clearedSessionCookieHeader(env), { append: true })
}
