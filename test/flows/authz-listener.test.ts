import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashSessionId } from '../../src/accounts/sessions.ts'
import { createHttpServer } from '../../src/server.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { register, seedDefaults, UA } from '../helpers/http.ts'

// Who may see the minted JWT (README "Security model"): /api/v2/auth answers only peers in
// BARONG_TRUSTED_PROXIES, or only on BARONG_AUTHZ_PORT; the built-in API takes a Bearer JWT only from such a peer.
// The peer here is a real socket's address (in-process requests always come from the loopback).

const ME = '/api/v2/auth/api/v2/barong/resource/users/me'
const NOTHING = '/api/v2/barong/resource/nothing-here'

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** node:http sends the request target exactly as written (absolute-form included). */
function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { 'User-Agent': UA, ...headers }, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject).end()
  })
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return (server.address() as AddressInfo).port
}

async function stop(server: Server | undefined) {
  server?.closeAllConnections()
  await new Promise((r) => (server ? server.close(r) : r(undefined)))
}

/** A JWT minted for a signed-in user's session, as /api/v2/auth would mint it. */
async function sessionJwt(t: TestApp, uid: string, cookie: string): Promise<string> {
  const user = (await t.deps.authzCache.userByUid(uid))!
  return t.deps.minter.mint(user, { kind: 'session', hash: hashSessionId(cookie.split('=')[1]!) })
}

describe('a peer outside BARONG_TRUSTED_PROXIES', () => {
  let t: TestApp
  let server: Server
  let port = 0
  let cookie = ''
  let uid = ''
  beforeAll(async () => {
    // Loopback is not trusted here, so this test's own socket is an untrusted peer.
    t = await createTestApp({ BARONG_TRUSTED_PROXIES: '192.0.2.0/24' })
    await seedDefaults(t)
    const r = await register(t)
    ;[cookie, uid] = [r.client.cookie!, r.body.uid]
    server = createHttpServer(t.deps, t.app).server
    port = await listen(server)
  })
  afterAll(async () => {
    await stop(server)
    await t?.close()
  })

  it('is told /api/v2/auth does not exist, with no JWT, even with a valid session', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await raw(port, ME, { Cookie: cookie }, method)
      expect(res.status).toBe(404)
      expect(JSON.parse(res.body)).toEqual({ errors: ['record.not_found'] })
      expect(res.headers.authorization).toBeUndefined()
      expect(res.headers['set-cookie']).toBeUndefined()
    }
  })

  it('cannot use a minted JWT on the built-in API', async () => {
    const res = await raw(port, NOTHING, { Authorization: `Bearer ${await sessionJwt(t, uid, cookie)}` })
    expect(res.status).toBe(401)
    expect(JSON.parse(res.body)).toEqual({ errors: ['authz.invalid_session'] })
  })
})

describe('BARONG_AUTHZ_PORT: the authorization endpoint on a listener of its own', () => {
  let t: TestApp
  let main: Server
  let authz: Server | undefined
  let mainPort = 0
  let authzPort = 0
  let cookie = ''
  let uid = ''
  const browser = () => ({ Cookie: cookie, 'X-Forwarded-For': '10.1.2.3' })
  beforeAll(async () => {
    t = await createTestApp({ BARONG_AUTHZ_PORT: '1' }) // the number is main.ts's business; the test listens itself
    await seedDefaults(t)
    const r = await register(t)
    ;[cookie, uid] = [r.client.cookie!, r.body.uid]
    const built = createHttpServer(t.deps, t.app)
    main = built.server
    authz = built.authz
    mainPort = await listen(main)
    authzPort = await listen(authz ?? createServer())
  })
  afterAll(async () => {
    await stop(main)
    await stop(authz)
    await t?.close()
  })

  it('is served there, to a trusted peer, with the JWT', async () => {
    expect(authz).toBeDefined()
    const res = await raw(authzPort, ME, browser())
    expect(res.status).toBe(200)
    expect(res.headers.authorization).toMatch(/^Bearer /)
  })

  it('is absent from the main listener (and from the in-process app)', async () => {
    const res = await raw(mainPort, ME, browser())
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body)).toEqual({ errors: ['record.not_found'] })
    expect((await t.app.request(ME, { headers: { ...browser(), 'User-Agent': UA } })).status).toBe(404)
  })

  it('serves nothing else', async () => {
    const res = await raw(authzPort, '/api/v2/barong/public/ping')
    expect(res.status).toBe(404)
    expect((await raw(mainPort, '/api/v2/barong/public/ping')).status).toBe(200)
  })

  it('the built-in API takes the JWT from a trusted peer', async () => {
    const res = await raw(mainPort, NOTHING, { Authorization: `Bearer ${await sessionJwt(t, uid, cookie)}` })
    expect(res.status).toBe(404) // past the gate: no such route
    expect(JSON.parse(res.body)).toEqual({ errors: ['record.not_found'] })
  })

  it('absolute-form request targets are refused on every path and listener', async () => {
    for (const [port, path] of [
      [mainPort, `http://127.0.0.1:${mainPort}${ME}`],
      [mainPort, `http://127.0.0.1:${mainPort}/api/v2/barong/public/ping`],
      [authzPort, `http://127.0.0.1:${authzPort}${ME}`],
    ] as const) {
      const res = await raw(port, path, browser())
      expect(res.status, path).toBe(400)
      expect(JSON.parse(res.body)).toEqual({ errors: ['authz.invalid_request'] })
    }
  })
})
