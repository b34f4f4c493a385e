import { and, eq, inArray, like } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { holds } from '../../src/admin/abilities.ts'
import { DEFAULT_ABILITIES } from '../../src/config/abilities.ts'
import type { Ability } from '../../src/http/route-decl.ts'
import { permissions } from '../../src/storage/schema/index.ts'
import { ADMIN, adminApp, staff } from '../helpers/admin.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases, type GateRoute } from '../helpers/gate-cases.ts'
import { addPermission } from '../helpers/gateway.ts'
import { expectRefusal } from '../helpers/two-factor.ts'

// Every admin route: the gateway's shared refusals, and each staff role's ability answer exactly as the README's
// table says (403 where the role lacks the ability, the handler's own answer otherwise).
const NOBODY = 'ID0000000000'
const ROUTES: GateRoute[] = [
  { method: 'GET', path: `${ADMIN}/abilities` },
  { method: 'GET', path: `${ADMIN}/users` },
  { method: 'PUT', path: `${ADMIN}/users`, body: { uid: NOBODY, state: 'banned' } },
  { method: 'POST', path: `${ADMIN}/users/update`, body: { uid: NOBODY, state: 'banned' } },
  { method: 'POST', path: `${ADMIN}/users/role`, body: { uid: NOBODY, role: 'member' } },
  { method: 'GET', path: `${ADMIN}/users/documents/pending` },
  { method: 'GET', path: `${ADMIN}/users/labels/list` },
  { method: 'GET', path: `${ADMIN}/users/labels?key=email&value=verified` },
  { method: 'POST', path: `${ADMIN}/users/labels`, body: { uid: NOBODY, key: 'vip', value: 'gold' } },
  { method: 'PUT', path: `${ADMIN}/users/labels`, body: { uid: NOBODY, key: 'vip', value: 'gold', scope: 'public' } },
  { method: 'DELETE', path: `${ADMIN}/users/labels`, body: { uid: NOBODY, key: 'vip', scope: 'public' } },
  { method: 'POST', path: `${ADMIN}/users/labels/update`, body: { uid: NOBODY, key: 'vip', value: 'gold', scope: 'public' } },
  { method: 'POST', path: `${ADMIN}/users/comments`, body: { uid: NOBODY, title: 't', data: 'd' } },
  { method: 'PUT', path: `${ADMIN}/users/comments`, body: { id: 999999, data: 'd' } },
  { method: 'DELETE', path: `${ADMIN}/users/comments`, body: { id: 999999 } },
  { method: 'DELETE', path: `${ADMIN}/users/data_storage`, body: { uid: NOBODY, title: 'x' } },
  { method: 'GET', path: `${ADMIN}/users/${NOBODY}` },
  { method: 'GET', path: `${ADMIN}/permissions` },
  { method: 'POST', path: `${ADMIN}/permissions`, body: { role: 'member', verb: 'fetch', path: 'api/v2/x', action: 'accept' } },
  { method: 'PUT', path: `${ADMIN}/permissions`, body: { id: 999999, verb: 'get' } },
  { method: 'DELETE', path: `${ADMIN}/permissions`, body: { id: 999999 } },
  { method: 'GET', path: `${ADMIN}/restrictions` },
  { method: 'POST', path: `${ADMIN}/restrictions`, body: { scope: 'ip', value: 'not-an-ip', category: 'blacklist' } },
  { method: 'PUT', path: `${ADMIN}/restrictions`, body: { id: 999999, state: 'disabled' } },
  { method: 'DELETE', path: `${ADMIN}/restrictions`, body: { id: 999999 } },
  { method: 'POST', path: `${ADMIN}/restrictions/whitelink`, body: { expire_time: 99 } },
  { method: 'GET', path: `${ADMIN}/levels` },
  { method: 'GET', path: `${ADMIN}/metrics` },
  { method: 'GET', path: `${ADMIN}/activities` },
  { method: 'GET', path: `${ADMIN}/activities/admin` },
  { method: 'GET', path: `${ADMIN}/api_keys?uid=${NOBODY}` },
  { method: 'GET', path: `${ADMIN}/profiles` },
  { method: 'POST', path: `${ADMIN}/profiles`, body: { uid: NOBODY } },
  { method: 'PUT', path: `${ADMIN}/profiles`, body: { uid: NOBODY, state: 'verified' } },
  { method: 'GET', path: `${ADMIN}/documents/999999/upload` },
]

let t: TestApp
beforeAll(async () => {
  t = await adminApp()
})
afterAll(async () => t?.close())

for (const r of ROUTES) describeGateCases(r.path.split('?')[0]!, () => t, { ...r, role: 'superadmin', control: false })

describe('abilities per role, on every admin route', () => {
  it('the list above is every admin route of the OpenAPI document', async () => {
    const doc = await (await t.app.request('/api/v2/barong/openapi.json')).json()
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => p.includes('/admin/'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace('{uid}', NOBODY).replace('{id}', '999999')}`))
    expect(ROUTES.map((r) => `${r.method} ${r.path.split('?')[0]}`).sort()).toEqual(documented.sort())
  })

  it('each staff role: 403 exactly where the abilities table refuses, the database unchanged; the handler answers otherwise', async () => {
    const doc = await (await t.app.request('/api/v2/barong/openapi.json')).json()
    // Let every staff role past the gateway's rules: what remains is the abilities table.
    await t.deps.db.delete(permissions).where(and(inArray(permissions.role, DEFAULT_ABILITIES.roles), like(permissions.path, 'api/v2/barong/admin%'), eq(permissions.action, 'DROP')))
    for (const role of DEFAULT_ABILITIES.roles) await addPermission(t, { role, verb: 'all', path: 'api/v2/barong/admin', action: 'accept' })
    for (const role of DEFAULT_ABILITIES.roles) {
      const s = await staff(t, role)
      for (const r of ROUTES) {
        const docPath = r.path.split('?')[0]!.replace(NOBODY, '{uid}').replace('999999/upload', '{id}/upload')
        const ability = doc.paths[docPath][r.method.toLowerCase()]['x-ability'] as Ability | undefined
        const send = () => s.client.request(r.method, r.path, r.body)
        if (ability && !holds(DEFAULT_ABILITIES, role, ability)) await expectRefusal(t, send, 403, ['admin.ability.not_permitted'])
        else expect((await send()).status, `${role} ${r.method} ${r.path}`).not.toBe(403)
      }
    }
  })
})
