import { readFileSync, rmSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { LIVE_UA, signUp } from '../helpers/live.ts'
import { STRONG } from '../helpers/http.ts'
import { startServer, type RunningServer } from '../helpers/spawn.ts'

// What a new user does after `npm install && npm start` on the embedded default: nothing but HTTP.
const dataDir = mkdtempSync(join(tmpdir(), 'barong-first-'))
const events = join(dataDir, 'events.jsonl')
let server: RunningServer | undefined
afterAll(async () => {
  await server?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const tokenFor = (email: string) =>
  readFileSync(events, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { routing_key: string; payload: { record: { user?: { email: string }; token?: string } } })
    .filter((e) => e.routing_key === 'user.email.confirmation.token' && e.payload.record.user?.email === email)
    .at(-1)?.payload.record.token

const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'User-Agent': LIVE_UA, ...headers }, body: JSON.stringify(body) })

it('a fresh start needs no other command: sign-up, confirmation, sign-in, an allowed /api/v2/auth call; the superadmin from the environment', { timeout: 120_000 }, async () => {
  const env = { DATA_DIR: dataDir, BARONG_EVENT_API: `file:${events}`, BARONG_ADMIN_EMAIL: 'root@example.com', BARONG_ADMIN_PASSWORD: STRONG, LOG_LEVEL: 'info' }
  server = await startServer(env)
  expect(server.output()).toContain('first start: loaded Barong')
  const base = server.base
  const user = await signUp(base)
  let token: string | undefined
  for (let i = 0; i < 50 && !token; i++) {
    await new Promise((r) => setTimeout(r, 100))
    try {
      token = tokenFor(user.email)
    } catch {
      // the relay has not written the file yet
    }
  }
  expect(token).toBeTruthy()
  expect((await post(base, '/api/v2/barong/identity/users/email/confirm_code', { token })).status).toBe(201)
  const signIn = await post(base, '/api/v2/barong/identity/sessions', { email: user.email, password: STRONG })
  expect(signIn.status).toBe(200)
  const cookie = /_barong_session=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')![0]
  const auth = await fetch(`${base}/api/v2/auth/api/v2/barong/resource/users/me`, { headers: { Cookie: cookie, 'User-Agent': LIVE_UA } })
  expect(auth.status).toBe(200)
  expect(auth.headers.get('authorization')).toMatch(/^Bearer /)

  const root = await post(base, '/api/v2/barong/identity/sessions', { email: 'root@example.com', password: STRONG })
  expect(root.status).toBe(200)
  const rootCookie = /_barong_session=[^;]+/.exec(root.headers.get('set-cookie') ?? '')![0]
  expect((await fetch(`${base}/api/v2/barong/admin/users`, { headers: { Cookie: rootCookie, 'User-Agent': LIVE_UA } })).status).toBe(200)

  // A second start on the same data loads nothing again.
  await server.stop()
  server = await startServer(env)
  expect(server.output()).not.toContain('first start')
})
