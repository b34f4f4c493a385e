import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCodeAt } from '../../src/crypto/totp.ts'
import { usingRealServers, type TestApp } from '../helpers/app.ts'
import { Client, STRONG, register, seededApp } from '../helpers/http.ts'
import { LIVE_UA, get, pollUntil, seededBackend, signUp, type Backend, type LiveSession, signIn } from '../helpers/live.ts'
import { freePort, startServer, type RunningServer } from '../helpers/spawn.ts'

// docs/architecture.md "Session replica": decisions come from memory while the lease holds; every session end
// reaches the other instances within the lease and the own one at once; a stalled store means 503, never a 200
// later than lease + command timeout; the replica's size is bounded and unknown ids are never held.
const real = usingRealServers && !!process.env.REDIS_URL
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0
const ME = '/api/v2/auth/api/v2/barong/resource/users/me'
const API = '/api/v2/barong'
const LEASE_MS = 1000
const COMMAND_TIMEOUT_MS = 500

async function send(base: string, s: LiveSession, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'User-Agent': LIVE_UA, Cookie: s.cookie, 'X-CSRF-Token': s.csrf, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, json: await res.json().catch(() => null) }
}

describe('session replica: two instances on one Redis', () => {
  let backend: Backend | undefined
  let a: RunningServer | undefined
  let b: RunningServer | undefined

  beforeAll(async () => {
    if (!real) return
    backend = await seededBackend({ BARONG_CACHE_LEASE_MS: String(LEASE_MS) })
    ;[a, b] = await Promise.all([startServer(backend.env), startServer(backend.env)])
  })
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await backend?.cleanup()
  })

  /** Both instances hold the session (each decided from it once). */
  async function warm(s: LiveSession) {
    for (const gw of [a!, b!]) expect((await get(`${gw.base}${ME}`, s.cookie)).status).toBe(200)
  }
  async function refusedOnBWithinLease(s: LiveSession, endedAt: number) {
    const refused = await pollUntil(() => get(`${b!.base}${ME}`, s.cookie), (r) => r.status === 401, LEASE_MS + 500, 20)
    expect(refused.value.status).toBe(401)
    expect(performance.now() - endedAt).toBeLessThan(LEASE_MS)
  }

  it.skipIf(!real)('logout through A: refused on A at once, on B within the lease', async () => {
    const s = await signUp(a!.base)
    await warm(s)
    const out = await send(a!.base, s, 'DELETE', `${API}/identity/sessions`)
    const endedAt = performance.now()
    expect(out.status).toBe(200)
    expect((await get(`${a!.base}${ME}`, s.cookie)).status).toBe(401)
    await refusedOnBWithinLease(s, endedAt)
  })

  it.skipIf(!real)('password change through A: the other session is refused on A at once, on B within the lease', async () => {
    const s = await signUp(a!.base)
    const other = await signIn(a!.base, s.email)
    await warm(other)
    const changed = await send(a!.base, s, 'PUT', `${API}/resource/users/password`, { old_password: STRONG, new_password: `${STRONG}x9`, confirm_password: `${STRONG}x9` })
    const endedAt = performance.now()
    expect(changed.status).toBe(201)
    expect((await get(`${a!.base}${ME}`, other.cookie)).status).toBe(401)
    await refusedOnBWithinLease(other, endedAt)
    expect((await get(`${b!.base}${ME}`, s.cookie)).status).toBe(200)
  })

  it.skipIf(!real)('2FA enabled through A: the other session is refused on A at once, on B within the lease', async () => {
    const s = await signUp(a!.base)
    const other = await signIn(a!.base, s.email)
    await warm(other)
    const qr = await send(a!.base, s, 'POST', `${API}/resource/otp/generate_qrcode`)
    const secret = new URL(qr.json.data.url).searchParams.get('secret')!
    const enabled = await send(a!.base, s, 'POST', `${API}/resource/otp/enable`, { code: totpCodeAt(secret, Date.now()) })
    const endedAt = performance.now()
    expect(enabled.status).toBe(201)
    expect((await get(`${a!.base}${ME}`, other.cookie)).status).toBe(401)
    await refusedOnBWithinLease(other, endedAt)
  })
})

describe('session replica: the store stalls (SIGSTOP) under load', () => {
  const enabled = usingRealServers && hasRedisServer
  let backend: Backend | undefined
  let gw: RunningServer | undefined
  let redis: ChildProcess | undefined
  let redisDir = ''

  beforeAll(async () => {
    if (!enabled) return
    const port = await freePort()
    redisDir = mkdtempSync(join(tmpdir(), 'barong-redis-'))
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' })
    const open = () => new Promise<boolean>((r) => connect(port, '127.0.0.1').once('connect', function (this: import('node:net').Socket) { this.destroy(); r(true) }).once('error', () => r(false)))
    expect((await pollUntil(open, (o) => o, 5000)).ok).toBe(true)
    backend = await seededBackend({ REDIS_URL: `redis://127.0.0.1:${port}`, BARONG_CACHE_LEASE_MS: String(LEASE_MS) })
    gw = await startServer(backend.env)
  })
  afterAll(async () => {
    redis?.kill('SIGCONT')
    await gw?.stop()
    redis?.kill('SIGKILL')
    await backend?.cleanup()
    if (redisDir) rmSync(redisDir, { recursive: true, force: true })
  })

  it.skipIf(!enabled)('no 200 later than lease + command timeout after the stall began; 503s; recovery after it', async () => {
    const s = await signUp(gw!.base)
    expect((await get(`${gw!.base}${ME}`, s.cookie)).status).toBe(200)
    // `at`: when the request was sent; `done`: when its answer came.
    const seen: Array<{ at: number; done: number; status: number }> = []
    let stop = false
    const load = async () => {
      while (!stop) {
        const at = performance.now()
        const r = await get(`${gw!.base}${ME}`, s.cookie).catch(() => ({ status: 0 }))
        seen.push({ at, done: performance.now(), status: r.status })
      }
    }
    const workers = Array.from({ length: 4 }, load)
    await new Promise((r) => setTimeout(r, 300))
    redis!.kill('SIGSTOP')
    const stalledAt = performance.now()
    await new Promise((r) => setTimeout(r, LEASE_MS + COMMAND_TIMEOUT_MS + 1500))
    redis!.kill('SIGCONT')
    const resumedAt = performance.now()
    const back = await pollUntil(() => get(`${gw!.base}${ME}`, s.cookie), (r) => r.status === 200, 10_000, 50)
    stop = true
    await Promise.all(workers)
    expect(back.value.status).toBe(200)
    expect(performance.now() - resumedAt).toBeLessThan(5000)

    // A 200 answered while the store was stopped, later than the lease and one command timeout: unsafe.
    const late = seen.filter((x) => x.status === 200 && x.done > stalledAt + LEASE_MS + COMMAND_TIMEOUT_MS && x.done < resumedAt)
    expect(late.map((x) => Math.round(x.done - stalledAt))).toEqual([])
    expect(seen.filter((x) => x.at > stalledAt && x.at < resumedAt).map((x) => x.status)).toContain(503)
    // Before the stall the replica answered.
    expect(seen.filter((x) => x.at < stalledAt).every((x) => x.status === 200)).toBe(true)
  })
})

describe('session replica: bounded, and never holding unknown ids', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await seededApp({ BARONG_SESSION_CACHE_SIZE: '5' })
  })
  afterAll(async () => t?.close())

  it('holds at most BARONG_SESSION_CACHE_SIZE sessions under many distinct valid ones', async () => {
    const clients: Client[] = []
    for (let i = 0; i < 12; i++) clients.push((await register(t)).client)
    for (const c of clients) expect((await c.get(`${API}/resource/users/me`)).status).toBe(200)
    expect(t.deps.sessions.replica.size).toBeLessThanOrEqual(5)
    expect(t.deps.sessions.replica.size).toBeGreaterThan(0)
  })

  it('a flood of random cookies adds nothing', async () => {
    const before = t.deps.sessions.replica.size
    for (let i = 0; i < 200; i++) {
      const res = await t.request(`${API}/resource/users/me`, { headers: { Cookie: `_barong_session=${Math.random().toString(36).slice(2)}${i}`, 'User-Agent': 'x' } })
      expect(res.status).toBe(401)
    }
    expect(t.deps.sessions.replica.size).toBe(before)
  })

  it('a logout on this instance is refused at once', async () => {
    const { client } = await register(t)
    expect((await client.get(`${API}/resource/users/me`)).status).toBe(200)
    expect((await client.request('DELETE', `${API}/identity/sessions`)).status).toBe(200)
    expect((await client.get(`${API}/resource/users/me`)).status).toBe(401)
  })
})
