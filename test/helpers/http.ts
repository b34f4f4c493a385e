import { desc, eq } from 'drizzle-orm'
import { eventOutbox } from '../../src/storage/schema/index.ts'
import type { TestApp } from './app.ts'

export const UA = 'Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0'

/** A browser-like client: keeps the session cookie, sends JSON, a user agent and a forwarded IP. */
export class Client {
  cookie: string | undefined
  csrf: string | undefined
  constructor(
    readonly t: TestApp,
    public ip = '10.1.2.3',
    public ua = UA,
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const h: Record<string, string> = { 'User-Agent': this.ua, 'X-Forwarded-For': this.ip, ...headers }
    if (this.cookie) h.Cookie = this.cookie
    if (this.csrf && method !== 'GET' && !('X-CSRF-Token' in headers)) h['X-CSRF-Token'] = this.csrf
    let payload: string | undefined
    if (body !== undefined) {
      h['Content-Type'] = 'application/json'
      payload = JSON.stringify(body)
    }
    // Through the listening server production runs: /api/v2/auth is answered by its fast path only.
    const res = await this.t.request(path, { method, headers: h, body: payload })
    const set = res.headers.get('set-cookie')
    if (set) {
      const m = /_barong_session=([^;]*)/.exec(set)
      if (m) this.cookie = m[1] ? `_barong_session=${m[1]}` : undefined
      if (/Max-Age=0/i.test(set)) this.cookie = undefined
    }
    return res
  }
  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, undefined, headers)
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, body, headers)
  }
  delete(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('DELETE', path, body, headers)
  }
}

export const ID = '/api/v2/barong/identity'

let n = 0
export const uniqueEmail = (tag = 'user') => `${tag}.${Date.now().toString(36)}.${n++}@example.com`
export const STRONG = 'Kal31ewwqXrew'

/** The newest outbox event with this routing key (events are recorded in the change's transaction, or by deferred work). */
export async function lastEvent(t: TestApp, routingKey: string): Promise<Record<string, any> | undefined> {
  await t.deps.deferred.settled()
  const [row] = await t.deps.db.select().from(eventOutbox).where(eq(eventOutbox.routingKey, routingKey)).orderBy(desc(eventOutbox.id)).limit(1)
  return row?.payload as Record<string, any> | undefined
}

export async function eventsFor(t: TestApp, routingKey: string, email: string) {
  // Mailed-code requests do their work after answering: wait for it, not for a fixed time.
  await t.deps.deferred.settled()
  const rows = await t.deps.db.select().from(eventOutbox).where(eq(eventOutbox.routingKey, routingKey)).orderBy(desc(eventOutbox.id))
  return rows.map((r) => r.payload as Record<string, any>).filter((p) => (p.record?.user?.email ?? p.record?.email) === email)
}

/** Seeds Barong's default levels, permissions and restrictions into the test database. */
export async function seedDefaults(t: TestApp) {
  const { readSeeds, seed, DEFAULT_SEEDS } = await import('../../src/cli/seed.ts')
  await seed(t.deps.db, t.deps.config, readSeeds(DEFAULT_SEEDS))
  await t.deps.authzCache.load()
}

/** Registers a user; returns the client signed in as them. */
export async function register(t: TestApp, email = uniqueEmail(), password = STRONG, extra: Record<string, unknown> = {}) {
  const c = new Client(t)
  const res = await c.post(`${ID}/users`, { email, password, ...extra })
  const body = await res.json()
  c.csrf = body.csrf_token
  return { client: c, res, body, email, password }
}

/** A test app with Barong's default levels, permissions and restrictions. */
export async function seededApp(env: Record<string, string> = {}, options: import('../../src/app.ts').BuildOptions = {}): Promise<TestApp> {
  const { createTestApp } = await import('./app.ts')
  const t = await createTestApp(env, options)
  await seedDefaults(t)
  return t
}
