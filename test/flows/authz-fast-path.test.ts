import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpServer } from '../../src/server.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { register, seedDefaults, UA } from '../helpers/http.ts'

let t: TestApp
let server: Server
let port: number
let cookie: string

beforeAll(async () => {
  t = await createTestApp({ BARONG_API_CORS_ORIGINS: 'https://exchange.example', BARONG_API_CORS_ALLOW_CREDENTIALS: 'true' })
  await seedDefaults(t)
  cookie = (await register(t)).client.cookie!
  server = createHttpServer(t.deps, t.app).server
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((r) => server?.close(r))
  await t?.close()
})

/** A raw request: the target is sent exactly as written (fetch would normalise dot segments). */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { 'User-Agent': UA, 'X-Forwarded-For': '10.1.2.3', ...headers } }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the authorization endpoint on a listening server', () => {
  it.each([
    '/api/v2/auth/api/v2/barong/resource/../admin/users',
    '/api/v2/auth/api/v2/barong/%2e%2e/admin/users',
    '/api/v2/auth/api/v2/barong/identity/.%2e/admin',
    '/api/v2/auth/api/v2/barong//resource/./users/me',
  ])('refuses the ambiguous path %s with 400 authz.invalid_path', async (path) => {
    const res = await raw(path, { Cookie: cookie })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toEqual({ errors: ['authz.invalid_path'] })
  })

  it('allows with a Bearer JWT, request id and CORS headers; denies with JSON', async () => {
    const ok = await raw('/api/v2/auth/api/v2/barong/resource/users/me', { Cookie: cookie, Origin: 'https://exchange.example', 'X-Request-Id': 'req-1' })
    expect(ok.status).toBe(200)
    expect(ok.headers.authorization).toMatch(/^Bearer /)
    expect(ok.headers['x-request-id']).toBe('req-1')
    expect(ok.headers['access-control-allow-origin']).toBe('https://exchange.example')
    expect(ok.body).toBe('')
    const denied = await raw('/api/v2/auth/api/v2/barong/admin/users', { Cookie: cookie })
    expect(denied.status).toBe(401)
    expect(denied.headers['content-type']).toBe('application/json')
    expect(JSON.parse(denied.body)).toEqual({ errors: ['authz.invalid_permission'] })
    const pass = await raw('/api/v2/auth/api/v2/peatio/public/markets', { Authorization: 'Bearer forged' })
    expect(pass.status).toBe(200)
    expect(pass.headers.authorization).toBeUndefined()
  })

  it('CORS preflights are answered by the app; metrics count the fast path', async () => {
    const pre = await raw('/api/v2/auth/api/v2/barong/resource/users/me', { Origin: 'https://exchange.example', 'Access-Control-Request-Method': 'POST' }, 'OPTIONS')
    expect(pre.status).toBe(204)
    expect(pre.headers['access-control-allow-methods']).toMatch(/POST/)
    const metrics = await raw('/metrics')
    expect(metrics.body).toMatch(/http_requests_total\{method="GET",route="\/api\/v2\/auth\/\*",status="200"\} \d+/)
  })
})
