import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { and, eq } from 'drizzle-orm'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { announce, bumpVersion } from '../../src/accounts/invalidation.ts'
import { createRedisStore } from '../../src/cache/redis-store.ts'
import { openDb } from '../../src/storage/db.ts'
import { restrictions } from '../../src/storage/schema/index.ts'
import type { Tx } from '../../src/storage/tx.ts'
import { usingRealServers } from '../helpers/app.ts'
import { get, pollUntil, seededBackend, signUp, type Backend, type LiveSession } from '../helpers/live.ts'
import { NGINX, nginxConf } from '../helpers/nginx.ts'
import { freePort, startServer, type RunningServer } from '../helpers/spawn.ts'

describe('nginx auth_request in front of the gateway (BARONG_AUTHZ_STATUS=nginx)', () => {
  let backend: Backend | undefined
  let gw: RunningServer | undefined
  let nginx: ChildProcess | undefined
  let upstream: Server | undefined
  let dir = ''
  let edge = '' // nginx's base URL
  let session: LiveSession
  const seen: { url: string; headers: IncomingHttpHeaders }[] = []

  beforeAll(async () => {
    if (!NGINX) return
    backend = await seededBackend({ BARONG_AUTHZ_STATUS: 'nginx' })
    gw = await startServer(backend.env)
    upstream = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers })
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"upstream":true}')
    })
    await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', r))
    const upPort = (upstream.address() as { port: number }).port
    dir = mkdtempSync(join(tmpdir(), 'barong-nginx-'))
    const port = await freePort()
    writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, port, gw.port, upPort))
    nginx = spawn(NGINX, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' })
    edge = `http://127.0.0.1:${port}`
    const up = await pollUntil(() => get(`${edge}/api/v2/barong/public/ping`).catch(() => ({ status: 0 })), (r) => r.status === 200 || nginx!.exitCode !== null, 10_000, 100)
    if (up.value.status !== 200) throw new Error(`nginx did not start: ${readFileSync(join(dir, 'error.log'), 'utf8')}`)
  })

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r))
      nginx.kill('SIGTERM')
      await exited
    }
    await new Promise((r) => (upstream ? upstream.close(r) : r(undefined)))
    await gw?.stop()
    await backend?.cleanup()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it.skipIf(!NGINX)('nginx -t accepts deploy/nginx.conf', () => {
    const r = spawnSync(NGINX!, ['-t', '-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toContain('test is successful')
  })

  it.skipIf(!NGINX)('no session: 401 and the upstream is never called', async () => {
    const res = await get(`${edge}/api/v2/peatio/account/balances`)
    expect(res.status).toBe(401)
    expect(seen).toHaveLength(0)
  })

  it.skipIf(!NGINX)('signed up through nginx: the upstream receives a Bearer JWT that verifies against the JWKS', async () => {
    session = await signUp(edge)
    const res = await get(`${edge}/api/v2/peatio/account/balances?currency=btc`, session.cookie)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ upstream: true })
    const last = seen.at(-1)!
    // deploy/nginx.conf hands Peatio its own paths (/api/v2/peatio/x → /api/v2/x).
    expect(last.url).toBe('/api/v2/account/balances?currency=btc')
    const m = /^Bearer (\S+)$/.exec(last.headers.authorization ?? '')
    expect(m).not.toBeNull()
    const token = m![1]!
    const jwks = createRemoteJWKSet(new URL(`${gw!.base}/.well-known/jwks.json`))
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      algorithms: ['RS256'],
      issuer: 'barong',
      audience: 'peatio',
      subject: 'session',
    })
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: expect.any(String) })
    expect(payload).toMatchObject({
      uid: session.uid,
      email: session.email,
      role: 'member',
      level: 0,
      state: 'pending',
      referral_id: null,
      sub: 'session',
      iss: 'barong',
      aud: ['peatio', 'barong'],
    })
    expect(payload.uid).toMatch(/^ID[0-9A-F]{10}$/)
    expect(payload.jti).toMatch(/^[0-9a-f]{20}$/)
    expect(payload.exp! - payload.iat!).toBe(3600)
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60)
  })

  it.skipIf(!NGINX)('a client-sent Authorization on a pass path never reaches the upstream', async () => {
    const before = seen.length
    const res = await get(`${edge}/api/v2/peatio/public/markets`, undefined, { Authorization: 'Bearer forged' })
    expect(res.status).toBe(200)
    expect(seen).toHaveLength(before + 1)
    expect(seen.at(-1)!.url).toBe('/api/v2/public/markets')
    expect(seen.at(-1)!.headers.authorization).toBeUndefined()
  })

  it.skipIf(!NGINX)('denials nginx understands: 401 stays 401; any other status becomes 403, never 500', async () => {
    const before = seen.length
    // Block rule: Barong's 401 authz.permission_denied.
    const direct = await get(`${gw!.base}/api/v2/auth/api/v2/peatio/management/deposits`, session.cookie)
    expect(direct.status).toBe(401)
    expect(direct.json).toEqual({ errors: ['authz.permission_denied'] })
    expect((await get(`${edge}/api/v2/peatio/management/deposits`, session.cookie)).status).toBe(401)
    // Barong's 422 (incomplete API-key headers) is mapped to 403; the body keeps the key.
    const partial = { 'X-Auth-Apikey': 'abc' }
    const mapped = await get(`${gw!.base}/api/v2/auth/api/v2/peatio/account/balances`, undefined, partial)
    expect(mapped.status).toBe(403)
    expect(mapped.json).toEqual({ errors: ['authz.invalid_api_key_headers'] })
    expect((await get(`${edge}/api/v2/peatio/account/balances`, undefined, partial)).status).toBe(403)
    expect(seen).toHaveLength(before)
  })

  it.skipIf(!NGINX || !usingRealServers || !process.env.REDIS_URL)('a maintenance restriction (471) answers 403 through nginx, not 500', async () => {
    const { db, close } = await openDb({ url: backend!.dbUrl!, dataDir: '/nonexistent', poolSize: 2 })
    const store = await createRedisStore({ url: backend!.env.REDIS_URL!, keyPrefix: backend!.prefix })
    const change = async (fn: (tx: Tx) => Promise<unknown>) => {
      await db.transaction(async (tx) => {
        await fn(tx)
        await bumpVersion(tx, 'restrictions', new Date())
      })
      await announce(store, 'restrictions')
    }
    try {
      const before = seen.length
      // Barong's seeds hold this row disabled: an admin enables it.
      const maintenance = and(eq(restrictions.category, 'maintenance'), eq(restrictions.scope, 'all'), eq(restrictions.value, 'all'))
      await change((tx) => tx.update(restrictions).set({ state: 'enabled', code: 471 }).where(maintenance))
      const direct = await pollUntil(() => get(`${gw!.base}/api/v2/auth/api/v2/peatio/public/markets`), (r) => r.status !== 200, 2000)
      expect(direct.value.status).toBe(403)
      expect(direct.value.json).toEqual({ errors: ['authz.restrict.maintenance'] })
      expect((await get(`${edge}/api/v2/peatio/public/markets`)).status).toBe(403)
      expect((await get(`${edge}/api/v2/peatio/account/balances`, session.cookie)).status).toBe(403)
      expect(seen).toHaveLength(before)
      await change((tx) => tx.update(restrictions).set({ state: 'disabled' }).where(maintenance))
      const back = await pollUntil(() => get(`${edge}/api/v2/peatio/public/markets`), (r) => r.status === 200, 2000)
      expect(back.value.status).toBe(200)
    } finally {
      await store.close()
      await close()
    }
  })
})
