import { count, eq } from 'drizzle-orm'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { Api } from '../../src/http/api.ts'
import { createApi, type Ability } from '../../src/http/api.ts'
import type { Principal } from '../../src/authz/request.ts'
import type { AppEnv } from '../../src/http/env.ts'
import { onError } from '../../src/http/on-error.ts'
import { paginate, pageParams } from '../../src/http/paginate.ts'
import { activities } from '../../src/storage/schema/index.ts'
import type { User } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { register, seededApp } from '../helpers/http.ts'
import { dbFingerprint } from '../helpers/state.ts'

const API = '/api/v2/barong'
const Note = z.object({ uid: z.string(), note: z.string(), role: z.string() }).meta({ id: 'Note' })

const ITEMS = Array.from({ length: 23 }, (_, i) => ({ id: i + 1 }))

/** Probe routes declared as resource and admin routes will be. */
function probes(api: Api) {
  api.add({
    method: 'get',
    path: '/resource/probe/items',
    tag: 'resource',
    prefix: 'resource.probe',
    summary: 'A paginated list',
    auth: 'user',
    params: { ...pageParams },
    response: z.array(z.object({ id: z.number().int() })),
    handler: async (c, p) => c.json(await paginate(c, p, { count: async () => ITEMS.length, rows: async (w) => ITEMS.slice(w.offset, w.offset + w.limit) })),
  })
  api.add({
    method: 'post',
    path: '/resource/probe',
    tag: 'resource',
    prefix: 'resource.probe',
    summary: 'Write one activity for the caller',
    auth: 'user',
    params: { note: { type: 'string', required: true, allowBlank: false } },
    response: Note,
    errors: { 409: ['resource.probe.taken'] },
    // The caller arrives typed: nothing here reads a cookie.
    handler: async (c, p, { principal, user }) => {
      const [row] = await writer()
        .insert(activities)
        .values({ userId: user.id, category: 'user', userIp: c.var.clientIp, userAgent: 'probe', topic: 'probe', action: 'write', result: 'succeed', data: p.note })
        .returning()
      return c.json({ uid: user.uid, note: row!.data ?? '', role: principal.role }, 201)
    },
  })
  api.add({
    method: 'post',
    path: '/resource/probe/upload',
    tag: 'resource',
    prefix: 'resource.probe',
    summary: 'Count uploaded bytes',
    auth: 'user',
    bodyLimit: 1024 * 1024,
    params: { upload: { type: 'files', required: true } },
    handler: (c, p) => c.json({ files: p.upload.length, bytes: p.upload.reduce((n, f) => n + f.size, 0) }, 201),
  })
  api.add({
    method: 'get',
    path: '/admin/probe',
    tag: 'admin',
    prefix: 'admin.probe',
    summary: 'Needs an ability only superadmin holds',
    auth: { ability: { action: 'update', subject: 'Permission' } },
    handler: (c) => c.json(200, 200),
  })
}

let t: TestApp
const writer = () => t.deps.db
beforeAll(async () => {
  t = await seededApp({}, { routes: probes })
})
afterAll(async () => t?.close())

describe('route declarations', () => {
  it("a user route receives the caller's principal and row; the write happens", async () => {
    const { client, body } = await register(t)
    const before = await dbFingerprint(t)
    const res = await client.post(`${API}/resource/probe`, { note: 'hello' })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ uid: body.uid, note: 'hello', role: 'member' })
    // The fingerprint the gate cases compare does see such a write.
    expect(await dbFingerprint(t)).not.toEqual(before)
  })

  it('an ability route answers when the role holds the ability, 403 when the gate lets a role through that lacks it', async () => {
    const { client, body } = await register(t)
    const res = await client.get(`${API}/admin/probe`)
    // The member's permissions do not reach /admin at all.
    expect(res.status).toBe(401)
    const { setUser } = await import('../helpers/gateway.ts')
    // technical reaches GET /admin through the permission rules but does not manage permissions.
    await setUser(t, body.uid, { role: 'technical' })
    const denied = await client.get(`${API}/admin/probe`)
    expect(denied.status).toBe(403)
    expect(await denied.json()).toEqual({ errors: ['admin.ability.not_permitted'] })
    await setUser(t, body.uid, { role: 'superadmin' })
    expect((await client.get(`${API}/admin/probe`)).status).toBe(200)
  })

  it('a per-route body limit lets an upload through that the global 64 KB limit refuses elsewhere', async () => {
    const { client } = await register(t)
    const big = new Uint8Array(200 * 1024).fill(7)
    const form = () => {
      const f = new FormData()
      f.append('upload[]', new File([big], 'a.png', { type: 'image/png' }))
      f.append('upload[]', new File([big.subarray(0, 10)], 'b.png', { type: 'image/png' }))
      return f
    }
    const headers = { Cookie: client.cookie!, 'X-CSRF-Token': client.csrf!, 'X-Forwarded-For': client.ip, 'User-Agent': client.ua }
    const ok = await t.app.request(`${API}/resource/probe/upload`, { method: 'POST', headers, body: form() })
    expect(ok.status).toBe(201)
    expect(await ok.json()).toEqual({ files: 2, bytes: 200 * 1024 + 10 })
    const elsewhere = await t.app.request(`${API}/resource/probe`, { method: 'POST', headers, body: form() })
    expect(elsewhere.status).toBe(413)
    expect(await elsewhere.json()).toEqual({ errors: ['server.payload_too_large'] })
    const huge = new FormData()
    huge.append('upload[]', new File([new Uint8Array(1024 * 1024 + 1)], 'c.png'))
    const tooBig = await t.app.request(`${API}/resource/probe/upload`, { method: 'POST', headers, body: huge })
    expect(tooBig.status).toBe(413)
  })

  it('the OpenAPI document carries the response schema, the error keys by status, access and the body limit', async () => {
    const doc = await (await t.app.request(`${API}/openapi.json`)).json()
    const op = doc.paths['/api/v2/barong/resource/probe'].post
    expect(op.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Note' })
    expect(doc.components.schemas.Note.properties).toEqual({ uid: { type: 'string' }, note: { type: 'string' }, role: { type: 'string' } })
    expect(op.responses['409'].content['application/json'].schema.properties.errors.items.enum).toEqual(['resource.probe.taken'])
    expect(op.responses['401'].content['application/json'].schema.properties.errors.items.enum).toEqual(['jwt.decode_and_verify'])
    expect(op.responses['422'].content['application/json'].schema.properties.errors.items.enum).toEqual([
      'resource.probe.missing_note',
      'resource.probe.empty_note',
      'resource.probe.invalid_note',
    ])
    expect(op.responses['400'].content['application/json'].schema.properties.errors.items.enum).toContain('server.invalid_json')
    expect(op.security).toBeDefined()
    expect(doc.paths['/api/v2/barong/resource/probe/upload'].post['x-body-limit']).toBe(1024 * 1024)
    const admin = doc.paths['/api/v2/barong/admin/probe'].get
    expect(admin['x-ability']).toEqual({ action: 'update', subject: 'Permission' })
    expect(admin.responses['403'].content['application/json'].schema.properties.errors.items.enum).toEqual(['admin.ability.not_permitted'])
    // Routes without a declared schema still say "Success".
    expect(doc.paths['/api/v2/barong/public/ping'].get.responses['200']).toEqual({ description: 'Success' })
  })
})

describe('the ability check is pluggable', () => {
  const principal: Principal = { kind: 'session', uid: 'ID123', userId: 1, role: 'support', ref: 'x' }
  const user = { id: 1, uid: 'ID123', role: 'support' } as User
  const appWith = (can?: (role: string, a: Ability) => boolean) => {
    const api = createApi({ can, loadUser: async (p) => (p.userId === 1 ? user : null) })
    api.add({
      method: 'get',
      path: '/admin/users',
      tag: 'admin',
      prefix: 'admin.user',
      summary: 'x',
      auth: { ability: { action: 'read', subject: 'User' } },
      handler: (c, _p, caller) => c.json({ uid: caller.user.uid, role: caller.principal.role }),
    })
    const outer = new Hono<AppEnv>()
    outer.onError(onError)
    outer.use('*', async (c, next) => {
      c.set('principal', c.req.header('x-test-anonymous') ? undefined : principal)
      await next()
    })
    outer.route('/', api.app)
    return outer
  }

  it('by default every ability is refused with 403', async () => {
    const res = await appWith().request(`${API}/admin/users`)
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ errors: ['admin.ability.not_permitted'] })
  })

  it("a table grants by role; an unknown ability stays refused; no principal is 401", async () => {
    const table: Record<string, string[]> = { support: ['read User'] }
    const app = appWith((role, a) => (table[role] ?? []).includes(`${a.action} ${a.subject}`))
    const ok = await app.request(`${API}/admin/users`)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ uid: 'ID123', role: 'support' })
    const other = appWith((role, a) => (({ support: ['read Profile'] }) as Record<string, string[]>)[role]!.includes(`${a.action} ${a.subject}`))
    expect((await other.request(`${API}/admin/users`)).status).toBe(403)
    const anon = await app.request(`${API}/admin/users`, { headers: { 'x-test-anonymous': '1' } })
    expect(anon.status).toBe(401)
    expect(await anon.json()).toEqual({ errors: ['jwt.decode_and_verify'] })
  })
})

describeGateCases('/resource/probe', () => t, { method: 'POST', path: `${API}/resource/probe`, body: { note: 'hello' } })
describeGateCases('/resource/probe/items', () => t, { method: 'GET', path: `${API}/resource/probe/items?page=2&limit=5` })
