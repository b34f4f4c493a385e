import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestApp } from '../helpers/app.ts'
import { register, seededApp, type Client } from '../helpers/http.ts'
import { AUTH, setUser } from '../helpers/gateway.ts'

// Deny rules (DROP rows, block rules) hold for every spelling an upstream may route to the same handler
// (README "Security model"): Grape and Rails route `role.json` to `role` (docs/barong-behaviour-notes.md#s1-1).
let t: TestApp
let admin: Client
beforeAll(async () => {
  t = await seededApp()
  const r = await register(t)
  await setUser(t, r.body.uid, { role: 'admin', state: 'active' })
  admin = r.client
})
afterAll(async () => t?.close())

const errors = async (res: Response) => (await res.json()).errors

describe("an admin's DROP rows, spelled otherwise", () => {
  it('the plain path is dropped and a sibling allowed (the rows work)', async () => {
    const dropped = await admin.post(`${AUTH}/api/v2/barong/admin/users/role`)
    expect(dropped.status).toBe(401)
    expect(await errors(dropped)).toEqual(['authz.invalid_permission'])
    const allowed = await admin.post(`${AUTH}/api/v2/barong/admin/users/update`)
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('authorization')).toMatch(/^Bearer /)
  })

  it.each([
    'api/v2/barong/admin/users/role.json',
    'api/v2/barong/admin/users/role.xml',
    'api/v2/barong/admin/users/role.json.json',
    'api/v2/barong/admin/users/role.',
    'api/v2/barong/admin/users/role%20',
    'api/v2/barong/admin/users/role%20.json',
    'api/v2/barong/admin/users/ROLE.JSON',
    'api/v2/barong/admin/users/%EF%BD%92%EF%BD%8F%EF%BD%8C%EF%BD%85', // fullwidth `role`
    'api/v2/barong/admin/users./role',
    'api/v2/barong/admin/permissions.json',
    'api/v2/barong/admin/activities/admin.json',
    'api/v2/barong/admin/activities/admin.json?page=1',
  ])('POST /api/v2/auth/%s → 401 authz.invalid_permission, no JWT', async (path) => {
    const res = await admin.post(`${AUTH}/${path}`)
    expect(res.status).toBe(401)
    expect(res.headers.get('authorization')).toBeNull()
    expect(await errors(res)).toEqual(['authz.invalid_permission'])
  })

  it('a path merely starting like a dropped one is still allowed', async () => {
    for (const path of ['api/v2/barong/admin/users/roles', 'api/v2/barong/admin/users/role_x']) {
      expect((await admin.post(`${AUTH}/${path}`)).status, path).toBe(200)
    }
  })

  it('the built-in API applies the same rows', async () => {
    const res = await admin.post('/api/v2/barong/admin/users/role.json', { uid: 'ID0000000000', role: 'superadmin' })
    expect(res.status).toBe(401)
    expect(await errors(res)).toEqual(['authz.invalid_permission'])
  })
})

describe('block rules, spelled otherwise', () => {
  it.each(['api/v2/barong/management/users.json', 'api/v2/barong/management./users', 'api/v2/barong/%EF%BD%8Danagement/users', 'api/v2/peatio/management.json'])(
    '%s → 401 authz.permission_denied',
    async (path) => {
      const res = await t.request(`${AUTH}/${path}`)
      expect(res.status).toBe(401)
      expect(await errors(res)).toEqual(['authz.permission_denied'])
    },
  )

  it.each(['api/v2/barong/admin/%EF%BC%8F/x', 'api/v2/barong/%EF%BC%8E%EF%BC%8E/management'])('an NFKC separator or dot segment (%s) → 400', async (path) => {
    const res = await t.request(`${AUTH}/${path}`)
    expect(res.status).toBe(400)
    expect(await errors(res)).toEqual(['authz.invalid_path'])
  })
})
