import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { permissions, restrictions } from '../../src/storage/schema/index.ts'
import type { TestApp } from './app.ts'
import { addPermission, addRestriction, apiKeyHeaders, createApiKey, setUser, userId } from './gateway.ts'
import { Client, register } from './http.ts'
import { dbFingerprint } from './state.ts'

/** A route as a caller sends it: a valid request that the signed-in caller is allowed to make. */
export interface GateRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Full path with query, e.g. `/api/v2/barong/resource/users/me`. */
  path: string
  /** JSON body for methods that carry one. */
  body?: Record<string, unknown>
  /** Role the caller needs (default `member`). */
  role?: string
  /** Also prove the valid request passes when signed in (default true): a gate case that cannot fail is no test. */
  control?: boolean
}

interface Caller {
  client: Client
  uid: string
  id: number
}

async function signedIn(t: TestApp, role: string): Promise<Caller> {
  const { client, body } = await register(t)
  const uid = body.uid as string
  if (role !== 'member') await setUser(t, uid, { role })
  return { client, uid, id: await userId(t, uid) }
}

const send = (c: Client, r: GateRoute, headers: Record<string, string> = {}) => c.request(r.method, r.path, r.body, headers)

async function expectRefused(t: TestApp, send: () => Promise<Response>, status: number, keys: string | readonly string[]) {
  const before = await dbFingerprint(t)
  const answer = await send()
  const body = (await answer.json()) as { errors?: string[] }
  expect(answer.status).toBe(status)
  expect(body.errors?.length).toBe(1)
  expect(typeof keys === 'string' ? [keys] : keys).toContain(body.errors![0])
  expect(await dbFingerprint(t)).toEqual(before)
}

/** Runs `fn`, then removes the rule row it depended on (other cases share the app). */
async function whileRowExists(t: TestApp, table: typeof permissions | typeof restrictions, id: number, fn: () => Promise<void>) {
  try {
    await fn()
  } finally {
    await t.deps.db.delete(table).where(eq(table.id, id))
    await t.deps.authzCache.load()
  }
}

/** The path as permission rows name it: no leading slash, no query. */
const rulePath = (path: string) => path.split('?')[0]!.replace(/^\//, '')

/**
 * The gateway's cases for one route, each with the database unchanged: no session → 401, a wrong CSRF
 * token → 401 (methods other than GET), a DROP permission for the caller's role → 401, a blacklisted IP →
 * its code, an API key whose owner has no 2FA → 401. The app must carry Barong's default permissions
 * (`seededApp`).
 */
export function describeGateCases(name: string, app: () => TestApp, route: GateRoute): void {
  const role = route.role ?? 'member'
  describe(`gate cases: ${route.method} ${name}`, () => {
    it('no session → 401', async () => {
      const t = app()
      // A write without a cookie may be refused for its missing CSRF token before the session is looked up.
      const keys = route.method === 'GET' ? ['authz.invalid_session'] : ['authz.invalid_session', 'authz.missing_csrf_token']
      await expectRefused(t, () => send(new Client(t), route), 401, keys)
    })

    if (route.method !== 'GET') {
      it('a wrong CSRF token → 401 authz.csrf_token_mismatch', async () => {
        const t = app()
        const { client } = await signedIn(t, role)
        await expectRefused(t, () => send(client, route, { 'X-CSRF-Token': 'f'.repeat(64) }), 401, 'authz.csrf_token_mismatch')
      })
    }

    it('a DROP permission for the role → 401 authz.invalid_permission', async () => {
      const t = app()
      const { client } = await signedIn(t, role)
      const row = await addPermission(t, { role, verb: route.method, path: rulePath(route.path), action: 'drop' })
      await whileRowExists(t, permissions, row.id, () => expectRefused(t, () => send(client, route), 401, 'authz.invalid_permission'))
    })

    it('a blacklisted IP → its restriction code', async () => {
      const t = app()
      const { client } = await signedIn(t, role)
      const row = await addRestriction(t, { category: 'blacklist', scope: 'ip', value: client.ip, code: 433 })
      await whileRowExists(t, restrictions, row.id, () => expectRefused(t, () => send(client, route), 433, 'authz.restrict.blacklist'))
    })

    it('an API key whose owner has no 2FA → 401 authz.disabled_2fa', async () => {
      const t = app()
      const caller = await signedIn(t, role)
      const key = await createApiKey(t, caller.id)
      await expectRefused(t, () => send(new Client(t), route, apiKeyHeaders(key.kid, key.secret, t.clock.now())), 401, 'authz.disabled_2fa')
    })

    if (route.control !== false) {
      it('control: the same request signed in passes the gate', async () => {
        const t = app()
        const { client } = await signedIn(t, role)
        const res = await send(client, route)
        expect(res.status, await res.clone().text()).toBeLessThan(400)
      })
    }
  })
}
