import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inject } from 'vitest'
import { Redis } from 'ioredis'
import { deleteKeysWithPrefix, freshDb, usingRealServers } from './app.ts'
import { STRONG, uniqueEmail } from './http.ts'
import { runCli } from './spawn.ts'

/** Helpers for tests against started processes (`startServer`): plain fetch, one browser-like UA. */
export const LIVE_UA = 'Mozilla/5.0 (X11; Linux x86_64) LiveTest/1.0'

export interface Backend {
  /** Environment for startServer: every instance started with it shares database, store and keys. */
  env: Record<string, string>
  /** Postgres URL of the fresh database (real mode only). */
  dbUrl: string | undefined
  prefix: string
  cleanup(): Promise<void>
}

/**
 * A seeded backend for started servers: a fresh Postgres database + Redis under a prefix of its own
 * (real mode), or a DATA_DIR with an embedded PGlite (embedded mode; one instance only).
 */
export async function seededBackend(extra: Record<string, string> = {}): Promise<Backend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'barong-live-'))
  const prefix = `test:${inject('runId')}:${randomBytes(4).toString('hex')}:`
  const env: Record<string, string> = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra }
  let drop = async () => {}
  let dbUrl: string | undefined
  if (usingRealServers) {
    const db = await freshDb()
    await db.handle.close()
    drop = db.drop
    dbUrl = db.url!
    const key = await runCli(['keys', 'generate'], {})
    if (key.code !== 0) throw new Error(`keys generate failed: ${key.stderr}`)
    Object.assign(env, {
      DATABASE_URL: dbUrl,
      REDIS_KEY_PREFIX: prefix,
      BARONG_JWT_PRIVATE_KEY: key.stdout.trim(),
      BARONG_SECRET_KEY: randomBytes(32).toString('hex'),
    })
    if (process.env.REDIS_URL && !env.REDIS_URL) env.REDIS_URL = process.env.REDIS_URL
  }
  const seeded = await runCli(['seed'], env)
  if (seeded.code !== 0) throw new Error(`seed failed: ${seeded.stderr}`)
  return {
    env,
    dbUrl,
    prefix,
    async cleanup() {
      await drop()
      if (env.REDIS_URL && env.REDIS_URL === process.env.REDIS_URL) await deleteKeysWithPrefix(env.REDIS_URL, prefix)
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface LiveSession {
  cookie: string
  csrf: string
  email: string
  uid: string
}

/** Signs up at `base` (the gateway or a proxy in front of it); returns the session cookie. */
export async function signUp(base: string, email = uniqueEmail('live')): Promise<LiveSession> {
  const res = await fetch(`${base}/api/v2/barong/identity/users`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': LIVE_UA },
    body: JSON.stringify({ email, password: STRONG }),
  })
  const body = await res.json().catch(() => null)
  if (res.status !== 201) throw new Error(`sign-up answered ${res.status}: ${JSON.stringify(body)}`)
  const m = /_barong_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')
  if (!m) throw new Error('sign-up set no session cookie')
  return { cookie: `_barong_session=${m[1]}`, csrf: body.csrf_token, email, uid: body.uid }
}

/** Signs in at `base` with the test password; returns the new session. */
export async function signIn(base: string, email: string, password = STRONG): Promise<LiveSession> {
  const res = await fetch(`${base}/api/v2/barong/identity/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': LIVE_UA },
    body: JSON.stringify({ email, password }),
  })
  const body = await res.json().catch(() => null)
  const m = /_barong_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')
  if (res.status !== 200 || !m) throw new Error(`sign-in answered ${res.status}: ${JSON.stringify(body)}`)
  return { cookie: `_barong_session=${m[1]}`, csrf: body.csrf_token, email, uid: body.uid }
}

/** GET with the live UA (sessions are bound to it) and optional cookie; the body read as text. */
export async function get(url: string, cookie?: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers: { 'User-Agent': LIVE_UA, ...(cookie ? { Cookie: cookie } : {}), ...headers } })
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

/** Calls fn every `everyMs` until `done(value)`; returns the value and the time it took. */
export async function pollUntil<T>(fn: () => Promise<T>, done: (v: T) => boolean, withinMs: number, everyMs = 50) {
  const start = performance.now()
  for (;;) {
    const value = await fn()
    const ms = performance.now() - start
    if (done(value) || ms > withinMs) return { value, ms, ok: done(value) }
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
