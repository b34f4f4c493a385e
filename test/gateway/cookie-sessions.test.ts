import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { Client, register, seedDefaults, seededApp } from '../helpers/http.ts'
import { AUTH, setUser } from '../helpers/gateway.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const ME = `${AUTH}/api/v2/barong/resource/users/me`
const errors = async (res: Response) => (await res.json()).errors

describe('the authorization endpoint: paths and rules', () => {
  it('pass paths answer 200 without Authorization, whatever the caller sends', async () => {
    const res = await t.request(`${AUTH}/api/v2/barong/identity/sessions`, { method: 'POST', headers: { Authorization: 'Bearer forged' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('authorization')).toBeNull()
    expect(await res.text()).toBe('')
  })

  it.each([
    ['api/v2/barong/management/users', 401, 'authz.permission_denied'],
    ['API/V2/BARONG/MANAGEMENT/users', 401, 'authz.permission_denied'],
    ['api/v2/peatio/management/x', 401, 'authz.permission_denied'],
    ['api/v2/barong/management%2fusers', 400, 'authz.invalid_path'],
    ['api/v2/barong/identity%2f..%2fadmin', 400, 'authz.invalid_path'],
    ['api/v2/barong/identity;x=1/sessions', 400, 'authz.invalid_path'],
    ['api/v2/barong/identity%00/sessions', 400, 'authz.invalid_path'],
    ['api/v2/barong/identityx/sessions', 401, 'authz.invalid_session'],
    ['api/v2/barong/publicity', 401, 'authz.invalid_session'],
  ])('%s → %i %s', async (path, status, key) => {
    const res = await t.request(`${AUTH}/${path}`)
    expect(res.status).toBe(status)
    expect(await errors(res)).toEqual([key])
  })

  it('method override headers are ignored: the verb checked is the real one', async () => {
    const { client } = await register(t)
    client.csrf = undefined
    const res = await client.get(ME, { 'X-HTTP-Method-Override': 'DELETE', 'X-Method-Override': 'POST' })
    expect(res.status).toBe(200)
  })

  it('Traefik forwardAuth: the original request comes in X-Forwarded-Method / -Uri', async () => {
    const { client } = await register(t)
    const ok = await client.get(AUTH, { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': '/api/v2/barong/resource/users/me?x=1' })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('authorization')).toMatch(/^Bearer /)
    const anon = await t.request(AUTH, { headers: { 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': '/api/v2/barong/admin/users' } })
    expect(anon.status).toBe(401)
  })
})

describe('cookie sessions', () => {
  it('no session → 401 authz.invalid_session', async () => {
    const res = await t.request(ME)
    expect(res.status).toBe(401)
    expect(await errors(res)).toEqual(['authz.invalid_session'])
  })

  it('CSRF: state-changing verbs need the token; GET/HEAD do not', async () => {
    const { client } = await register(t)
    const csrf = client.csrf!
    client.csrf = undefined
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const missing = await client.request(method, ME)
      expect(await errors(missing)).toEqual(['authz.missing_csrf_token'])
      const wrong = await client.request(method, ME, undefined, { 'X-CSRF-Token': '0'.repeat(64) })
      expect(await errors(wrong)).toEqual(['authz.csrf_token_mismatch'])
      const short = await client.request(method, ME, undefined, { 'X-CSRF-Token': 'x' })
      expect(await errors(short)).toEqual(['authz.csrf_token_mismatch'])
      expect((await client.request(method, ME, undefined, { 'X-CSRF-Token': csrf })).status).toBe(200)
    }
    expect((await client.request('GET', ME)).status).toBe(200)
    expect((await client.request('HEAD', ME)).status).toBe(200)
  })

  it('CSRF protection can be turned off', async () => {
    const off = await createTestApp({ BARONG_CSRF_PROTECTION: 'false' })
    try {
      await seedDefaults(off)
      const { client } = await register(off)
      client.csrf = undefined
      expect((await client.request('POST', ME)).status).toBe(200)
    } finally {
      await off.close()
    }
  })

  it('another user agent → client_session_mismatch, the session is destroyed and the cookie cleared (Barong notes §2)', async () => {
    const { client } = await register(t)
    const [ua, cookie] = [client.ua, client.cookie]
    client.ua = 'curl/8.0'
    const res = await client.get(ME)
    expect(res.status).toBe(401)
    expect(await errors(res)).toEqual(['authz.client_session_mismatch'])
    expect(res.headers.get('set-cookie')).toMatch(/^_barong_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/)
    client.ua = ua
    client.cookie = cookie // the old cookie, sent anyway: its session is gone
    expect(await errors(await client.get(ME))).toEqual(['authz.invalid_session'])
  })

  it('an allowed cookie request re-sends the session cookie with its remaining lifetime (Barong notes §1.7)', async () => {
    const { client } = await register(t)
    const id = client.cookie!.split('=')[1]
    t.clock.advance(20 * 60_000)
    const res = await client.get(ME)
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).toBe(`_barong_session=${id}; Max-Age=${86_400 - 1_200}; Path=/; HttpOnly; SameSite=Lax`)
    // API-key and pass-path answers carry no cookie.
    expect((await t.request(`${AUTH}/api/v2/barong/identity/sessions`)).headers.get('set-cookie')).toBeNull()
  })

  it('CSRF: every verb but GET, HEAD and OPTIONS needs the token, custom ones included', async () => {
    const { client } = await register(t)
    const csrf = client.csrf!
    client.csrf = undefined
    for (const method of ['PROPFIND', 'PURGE', 'MOVE', 'LOCK', 'REPORT', 'MKCOL']) {
      const missing = await client.request(method, ME)
      expect(await errors(missing), method).toEqual(['authz.missing_csrf_token'])
      expect((await client.request(method, ME, undefined, { 'X-CSRF-Token': csrf })).status, method).not.toBe(401)
    }
    expect((await client.request('OPTIONS', ME)).status).not.toBe(401)
  })

  it('the session is bound to the /16 of the login IP', async () => {
    const { client } = await register(t)
    client.ip = '10.1.200.200'
    expect((await client.get(ME)).status).toBe(200)
    client.ip = '10.2.2.3'
    expect(await errors(await client.get(ME))).toEqual(['authz.client_session_mismatch'])
  })

  it('X-Forwarded-For is believed only from trusted proxies', async () => {
    const strict = await createTestApp({ BARONG_TRUSTED_PROXIES: '192.0.2.0/24' })
    try {
      const res = await strict.request('/api/v2/barong/public/ping', { headers: { 'X-Forwarded-For': '203.0.113.9' } })
      expect(res.status).toBe(200)
      // The in-process peer is 127.0.0.1, not trusted here: the forwarded address is ignored.
      await seedDefaults(strict)
      const a = await register(strict)
      a.client.ip = '198.51.100.1'
      // Past the gate (a session bound to another network would be 401 authz.client_session_mismatch).
      const res2 = await a.client.get('/api/v2/barong/resource/users/me')
      expect(res2.status).not.toBe(401)
      // The authorization endpoint does not exist for an untrusted peer.
      expect((await a.client.get(ME)).status).toBe(404)
    } finally {
      await strict.close()
    }
  })

  it('sliding expiry: requests 25 minutes apart keep it alive; 31 idle minutes end it', async () => {
    const { client } = await register(t)
    for (let i = 0; i < 5; i++) {
      t.clock.advance(25 * 60_000)
      expect((await client.get(ME)).status).toBe(200)
    }
    t.clock.advance(31 * 60_000)
    expect(await errors(await client.get(ME))).toEqual(['authz.client_session_mismatch'])
  })

  it('banned, locked or deleted users are refused at the next request; pending users pass', async () => {
    const { client, body } = await register(t)
    expect(body.state).toBe('pending')
    expect((await client.get(ME)).status).toBe(200)
    for (const state of ['banned', 'locked', 'deleted']) {
      await setUser(t, body.uid, { state })
      const res = await client.get(ME)
      expect(res.status).toBe(401)
      expect(await errors(res)).toEqual(['authz.user_not_active'])
    }
  })
})

describe('`_method` parameters are refused (an upstream would run another verb than the one authorized)', () => {
  it.each(['?_method=DELETE', '?a=1&%5Fmethod=DELETE', '?_method[x]=1'])('/api/v2/auth/…%s → 400', async (query) => {
    const { client } = await register(t)
    const res = await client.post(`${ME}${query}`)
    expect(res.status).toBe(400)
    expect(await errors(res)).toEqual(['authz.invalid_request'])
    expect(res.headers.get('authorization')).toBeNull()
    expect((await client.post(`${ME}?method=x`)).status).toBe(200) // the control
  })

  it('the built-in API refuses it in the query and in form bodies; nothing is done', async () => {
    const { client, email, password } = await register(t)
    const login = (body: string, query = '') =>
      t.request(`/api/v2/barong/identity/sessions${query}`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': client.ua } })
    const creds = `email=${encodeURIComponent(email)}&password=${encodeURIComponent(password)}`
    for (const res of [await login(creds, '?_method=DELETE'), await login(`${creds}&_method=DELETE`)]) {
      expect(res.status).toBe(400)
      expect(await errors(res)).toEqual(['authz.invalid_request'])
      expect(res.headers.get('set-cookie')).toBeNull()
    }
    expect((await login(creds)).status).toBe(200) // the control: the same form without `_method` signs in
  })
})

describe('authentication that fails unexpectedly is denied (fail closed), with a key that says why', () => {
  const failing = async (err: Error, run: (client: Client) => Promise<void>) => {
    const { client } = await register(t)
    const cache = t.deps.authzCache
    const real = cache.userByUid
    // The user lookup behind a session throws, as a defect or a database outage would.
    cache.userByUid = async () => {
      throw err
    }
    try {
      await run(client)
    } finally {
      cache.userByUid = real
    }
  }

  it('a defect is logged and answered 500 server.internal_error, never as a database outage', async () => {
    await failing(new TypeError('cannot read properties of undefined'), async (client) => {
      const res = await client.get(ME)
      expect(res.status).toBe(500)
      expect(res.headers.get('authorization')).toBeNull()
      expect(await errors(res)).toEqual(['server.internal_error'])
    })
  })

  it('a database that is down is 503 server.database_unavailable', async () => {
    await failing(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), async (client) => {
      const res = await client.get(ME)
      expect(res.status).toBe(503)
      expect(res.headers.get('authorization')).toBeNull()
      expect(await errors(res)).toEqual(['server.database_unavailable'])
    })
  })
})
