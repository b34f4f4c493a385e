import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { permissions, users } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { setUser } from '../helpers/gateway.ts'
import { Client, ID, register, seededApp } from '../helpers/http.ts'
import { dbFingerprint } from '../helpers/state.ts'

/**
 * Every route the OpenAPI document lists (so routes added later are walked too), called with hostile
 * values — anonymous and signed in — must answer below 500, and a refusal (4xx) must leave every table
 * as it was.
 */
interface Operation {
  parameters?: { name: string; in: string }[]
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> }
}

interface Case {
  label: string
  path: string
  init: { method: string; headers?: Record<string, string>; body?: RequestInit['body'] }
  /** Every declared param carries a control character: the parameter layer must refuse it. */
  mustRefuse?: boolean
}

const deep = (n: number): unknown => (n === 0 ? 'x' : { a: deep(n - 1) })

const JSON_VALUES: [string, unknown][] = [
  ['NUL', 'a\u0000b'],
  ['escape sequence', '\u001b[31mred'],
  ['C1 control', 'x\u0085y'],
  ['lone surrogate', '\ud800x'],
  ['huge string', 'A'.repeat(40_000)],
  ['huge email', `${'a'.repeat(300)}@${'b'.repeat(300)}.com`],
  ['bidi and zero-width', '\u202e\u200bＡ😀'],
  ['huge number', 1e308],
  ['negative', -1],
  ['long digits', '9'.repeat(40)],
  ['boolean', true],
  ['null', null],
  ['empty', ''],
  ['object', { a: { b: 'c' } }],
  ['array', ['x', 'y']],
  ['array of objects', [{ a: 1 }]],
  ['deep object', deep(40)],
]
const CONTROL_LABELS = new Set(['NUL', 'escape sequence', 'C1 control', 'lone surrogate'])

/** Raw query / form encodings of hostile values, per parameter name. */
const ENCODED: [string, (n: string) => string, boolean][] = [
  ['%00', (n) => `${n}=a%00b`, true],
  ['%1B', (n) => `${n}=%1B%5B31m`, true],
  ['not UTF-8', (n) => `${n}=%FF%FE`, false],
  ['bad escape', (n) => `${n}=%zz`, false],
  ['array', (n) => `${n}[]=a&${n}[]=b`, false],
  ['hash', (n) => `${n}[x]=1&${n}[y][]=2`, false],
  ['hash then array', (n) => `${n}[x]=1&${n}[]=2`, false],
  ['huge', (n) => `${n}=${'B'.repeat(6_000)}`, false],
]

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))

const RAW_BODIES: [string, string, RequestInit['body']][] = [
  ['malformed JSON', 'application/json', '{"a":'],
  ['JSON array', 'application/json', '[1,2]'],
  ['JSON null', 'application/json', 'null'],
  ['JSON not UTF-8', 'application/json', bytes('{"email":"', [0xff, 0xfe], '"}')],
  ['JSON deep', 'application/json', `{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}`],
  ['form not UTF-8', 'application/x-www-form-urlencoded', bytes('email=', [0xc3, 0x28])],
  ['form bad escape', 'application/x-www-form-urlencoded', 'email=%E2%82'],
  ['multipart without boundary', 'multipart/form-data', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na\r\n--x--\r\n'],
  ['multipart wrong boundary', 'multipart/form-data; boundary=nope', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na\r\n--x--\r\n'],
  ['multipart truncated', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="email"\r\n\r\nval'],
  ['multipart NUL field', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="email"\r\n\r\na\u0000b\r\n--b--\r\n'],
  ['too large', 'application/json', JSON.stringify({ email: 'x'.repeat(100 * 1024) })],
  ['UTF-16 declared', 'application/json; charset=utf-16', '{"email":"a"}'],
]

const withQuery = (path: string, qs: string) => `${path}${path.includes('?') ? '&' : '?'}${qs}`

/** Every hostile request for one operation. */
function casesFor(method: string, path: string, op: Operation): Case[] {
  const M = method.toUpperCase()
  const hasBody = M !== 'GET' && M !== 'DELETE'
  const body = op.requestBody ? Object.values(op.requestBody.content)[0]!.schema.properties ?? {} : {}
  const names = [...new Set([...(op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name), ...Object.keys(body)])]
  const concrete = path.replace(/\{[^}]+\}/g, 'x')
  const cases: Case[] = []
  const declared = names.length > 0
  for (const [label, value] of JSON_VALUES) {
    const params = Object.fromEntries(names.map((n) => [n, value]))
    const mustRefuse = declared && CONTROL_LABELS.has(label)
    if (hasBody) {
      cases.push({ label: `JSON ${label}`, path: concrete, init: { method: M, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(params) }, mustRefuse })
    }
  }
  for (const [label, encode, control] of ENCODED) {
    const qs = (names.length ? names : ['q']).map(encode).join('&')
    cases.push({ label: `query ${label}`, path: withQuery(concrete, qs), init: { method: M }, mustRefuse: declared && control })
    if (hasBody) {
      cases.push({ label: `form ${label}`, path: concrete, init: { method: M, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: qs }, mustRefuse: declared && control })
    }
  }
  if (M !== 'GET') for (const [label, type, raw] of RAW_BODIES) cases.push({ label, path: concrete, init: { method: M, headers: { 'Content-Type': type }, body: raw } })
  for (const [label, segment] of [
    ['path NUL', '%00'],
    ['path not UTF-8', '%FF'],
    ['path huge', 'C'.repeat(3_000)],
  ] as const) {
    if (path.includes('{')) cases.push({ label, path: path.replace(/\{[^}]+\}/g, segment), init: { method: M } })
  }
  return cases
}

let t: TestApp
let email: string
let password: string
beforeAll(async () => {
  // Hostile sign-ins must not lock the walking client's own address out.
  t = await seededApp({ BARONG_LOGIN_IP_MAX_ATTEMPTS: '10000', BARONG_LOGIN_MAX_ATTEMPTS: '10000' })
  ;({ email, password } = await register(t))
})
afterAll(async () => t?.close())

const userOf = async (address: string) => (await t.deps.db.select().from(users).where(eq(users.email, address)))[0]!

async function signedIn(): Promise<Client> {
  const c = new Client(t, '10.9.8.7')
  const res = await c.post(`${ID}/sessions`, { email, password })
  expect(res.status).toBe(200)
  c.csrf = (await res.json()).csrf_token
  return c
}

type Walker = 'anonymous' | 'member' | 'superadmin'

async function walk(who: Walker): Promise<{ routes: number; requests: number; failures: string[]; staffAnswers: number }> {
  const asUser = who !== 'anonymous'
  if (who === 'superadmin') {
    // Staff routes answer only staff. The gateway's AUDIT rows would record each refused write as a request
    // (Barong's audit trail), so they are removed for this walk: what is left is what the handlers write.
    await setUser(t, (await userOf(email)).uid, { role: 'superadmin', state: 'active' })
    await t.deps.db.delete(permissions).where(eq(permissions.action, 'AUDIT'))
    await t.deps.authzCache.load()
  }
  const doc = await (await t.app.request('/api/v2/barong/openapi.json')).json()
  const failures: string[] = []
  let routes = 0
  let requests = 0
  // Staff-route answers past the gate (anything but its 401): proof the superadmin walk reached the handlers.
  let staffAnswers = 0
  let client = asUser ? await signedIn() : new Client(t, '10.9.8.6')
  let before = await dbFingerprint(t)
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
    for (const [method, op] of Object.entries(ops)) {
      routes++
      for (const c of casesFor(method, path, op)) {
        requests++
        const answer = await sendRaw(client, c)
        if (path.includes('/admin/') && answer.status !== 401) staffAnswers++
        const after = await dbFingerprint(t)
        const where = `${method.toUpperCase()} ${path} [${c.label}] → ${answer.status} ${answer.text.slice(0, 120)}`
        if (answer.status >= 500) failures.push(`5xx: ${where}`)
        else if (answer.status >= 400 && JSON.stringify(after) !== JSON.stringify(before)) failures.push(`written on refusal: ${where}`)
        else if (c.mustRefuse && answer.status < 400) failures.push(`accepted a control character: ${where}`)
        before = after
        if (asUser && !client.cookie) {
          // The walk signed the client out (logout takes no params): sign in again for the next cases.
          client = await signedIn()
          before = await dbFingerprint(t)
        }
      }
    }
  }
  return { routes, requests, failures, staffAnswers }
}

/** Sends a case with the client's cookie, CSRF token, address and user agent. */
async function sendRaw(client: Client, c: Case): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'User-Agent': client.ua, 'X-Forwarded-For': client.ip, ...c.init.headers }
  if (client.cookie) headers.Cookie = client.cookie
  if (client.csrf && c.init.method !== 'GET') headers['X-CSRF-Token'] = client.csrf
  const res = await t.app.request(c.path, { ...c.init, headers })
  if (/Max-Age=0/i.test(res.headers.get('set-cookie') ?? '')) client.cookie = undefined
  return { status: res.status, text: await res.text() }
}

describe('bad input on every documented route: 4xx, never 5xx, nothing written', () => {
  for (const who of ['anonymous', 'member', 'superadmin'] as const) {
    it(who === 'member' ? 'signed in' : who, { timeout: 300_000 }, async () => {
      const { routes, requests, failures, staffAnswers } = await walk(who)
      if (who === 'superadmin') expect(staffAnswers).toBeGreaterThan(300)
      expect(failures).toEqual([])
      // The document lists the identity and public routes at least; the walk must have reached them.
      expect(routes).toBeGreaterThanOrEqual(15)
      expect(requests).toBeGreaterThan(routes * 10)
    })
  }
})
