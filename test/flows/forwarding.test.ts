import { createHash, randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { join } from 'node:path'
import { jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpServer } from '../../src/server.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { register, seedDefaults, UA } from '../helpers/http.ts'
import { freePort } from '../helpers/spawn.ts'

type Hit = { method: string; url: string; headers: IncomingHttpHeaders }
const hits: Hit[] = []
const wsHits: Hit[] = []
const open = new Set<Socket>()
const slowClosed: string[] = []

// The upstream: echoes method, url, headers and a digest of the body; `/slow` never answers; `/big` streams 8 MB.
const upstream = createServer((req, res) => {
  hits.push({ method: req.method!, url: req.url!, headers: req.headers })
  if (req.url!.includes('/slow')) {
    res.once('close', () => slowClosed.push(req.url!)) // the connection went away (the answer never began)
    return void req.resume()
  }
  if (req.url!.includes('/big')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    let left = 128
    const pump = () => {
      while (left-- > 0) if (!res.write(Buffer.alloc(65536, left % 251))) return void res.once('drain', pump)
      res.end()
    }
    return pump()
  }
  if (req.url!.includes('/reset')) {
    res.writeHead(200, { 'content-length': '100000' })
    res.write(Buffer.alloc(1000))
    return void setTimeout(() => res.socket?.destroy(), 50)
  }
  const hash = createHash('sha256')
  let bytes = 0
  req.on('data', (d: Buffer) => ((bytes += d.length), hash.update(d)))
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', connection: 'x-hop', 'x-hop': 'secret', 'keep-alive': 'timeout=5' })
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bytes, sha: hash.digest('hex') }))
  })
})
upstream.on('connection', (s) => (open.add(s), s.on('close', () => open.delete(s))))
// A WebSocket endpoint by hand (no `ws` package): a real handshake, then a raw byte echo.
upstream.on('upgrade', (req, socket, head) => {
  wsHits.push({ method: req.method!, url: req.url!, headers: req.headers })
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
  if (head.length) socket.write(head)
  socket.pipe(socket)
})

let t: TestApp
let gateway: Server
let base = ''
let port = 0
let cookie = ''
let csrf = ''
let email = ''
const XFF = '6.6.6.6, 10.1.2.3' // right-most untrusted hop wins: 10.1.2.3
const P = '/api/v2/peatio'

beforeAll(async () => {
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  const up = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  const dead = `http://127.0.0.1:${await freePort()}`
  const file = join(process.env.TMPDIR ?? '/tmp', `upstreams-${randomBytes(4).toString('hex')}.yml`)
  writeFileSync(file, [`- { prefix: ${P}, target: "${up}", rewrite: /api/v2 }`, `- { prefix: ${P}/market/down, target: "${dead}" }`, `- { prefix: ${P}/market/slow, target: "${up}", timeoutMs: 500 }`].join('\n'))
  t = await createTestApp({ BARONG_UPSTREAMS: file })
  await seedDefaults(t)
  const signed = await register(t)
  ;[cookie, csrf, email] = [signed.client.cookie!, signed.client.csrf!, signed.email]
  // The listening server exactly as main.ts builds it: fast paths, the app, WebSocket upgrades.
  gateway = createHttpServer(t.deps, t.app).server
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', () => resolve()))
  port = (gateway.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
})
afterAll(async () => {
  for (const s of open) s.destroy()
  gateway?.closeAllConnections()
  await new Promise((r) => gateway?.close(r))
  await new Promise((r) => upstream.close(r))
  await t?.close()
})

const browser = (extra: Record<string, string> = {}) => ({ 'User-Agent': UA, 'X-Forwarded-For': XFF, Cookie: `lang=en; ${cookie}; theme=dark`, ...extra })
const anonymous = (extra: Record<string, string> = {}) => ({ 'User-Agent': UA, 'X-Forwarded-For': XFF, ...extra })

/** node:http sends the request target as written (fetch would normalise `..`) and allows `Connection`. */
function raw(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, body }))
    })
    req.on('error', reject).end()
  })
}

describe('forwarding over a listening gateway', () => {
  it('denies an unauthenticated request without calling the upstream', async () => {
    const before = hits.length
    const res = await fetch(`${base}${P}/account/balances`, { headers: anonymous() })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ errors: ['authz.invalid_session'] })
    expect(hits.length).toBe(before)
  })

  it('forwards an authenticated GET with exactly our JWT and clean headers', async () => {
    const res = await fetch(`${base}${P}/account/balances?currency=btc&x=%2F1`, {
      headers: browser({
        Authorization: 'Bearer client-token',
        'X-Auth-Whatever': 'x',
        'X-User-Role': 'superadmin',
        'X-Original-Url': '/admin',
        'X-Forwarded-Uri': '/admin',
        'X-Forwarded-Host': 'edge.example, shop.example',
        'X-Envoy-Original-Path': '/admin',
        'X-Rewrite-Url': '/admin',
        'X-HTTP-Method-Override': 'DELETE',
        'X-Method-Override': 'DELETE',
        Forwarded: 'for=1.1.1.1',
      }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toBeTruthy()
    expect(res.headers.get('x-hop')).toBeNull() // named in the upstream's Connection: hop-by-hop
    const seen = await res.json()
    expect(seen.url).toBe('/api/v2/account/balances?currency=btc&x=%2F1')
    const h = seen.headers as Record<string, string>
    for (const k of ['x-auth-whatever', 'x-user-role', 'x-original-url', 'x-forwarded-uri', 'x-envoy-original-path', 'x-rewrite-url', 'x-http-method-override', 'x-method-override', 'forwarded']) expect(h[k], k).toBeUndefined()
    expect(h['x-forwarded-for']).toBe('10.1.2.3')
    expect(h['x-forwarded-proto']).toBe('http')
    expect(h['x-forwarded-host']).toBe('shop.example') // the peer (127.0.0.1) is a trusted proxy: its last hop
    // The upstream keeps its own cookies but never sees the gateway's session id.
    expect(h.cookie).toBe('lang=en; theme=dark')
    expect(h.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
    const { payload } = await jwtVerify(h.authorization!.slice(7), t.deps.keys.publicKey, { issuer: 'barong', audience: 'peatio' })
    expect(payload).toMatchObject({ sub: 'session', email, role: 'member' })
    expect(payload.uid).toMatch(/^ID/)
  })

  it('forwards a pass path with the client Authorization removed', async () => {
    const res = await fetch(`${base}${P}/public/markets`, { headers: anonymous({ Authorization: 'Bearer forged' }) })
    expect(res.status).toBe(200)
    const seen = await res.json()
    expect(seen.url).toBe('/api/v2/public/markets')
    expect(seen.headers.authorization).toBeUndefined()
  })

  it('streams a 5 MB request body past the gateway body limit', async () => {
    const body = randomBytes(5 * 1024 * 1024)
    const res = await fetch(`${base}${P}/market/orders`, { method: 'POST', body, headers: browser({ 'X-CSRF-Token': csrf, 'Content-Type': 'application/octet-stream' }) })
    expect(res.status).toBe(200)
    const seen = await res.json()
    expect(seen).toMatchObject({ method: 'POST', bytes: body.length, sha: createHash('sha256').update(body).digest('hex') })
  })

  it('streams a chunked request body (no length) to the upstream, framed again as chunked', async () => {
    const parts = [randomBytes(70_000), randomBytes(1), randomBytes(300_000)]
    const seen = await new Promise<any>((resolve, reject) => {
      const req = httpRequest(`${base}${P}/market/orders`, { method: 'POST', headers: browser({ 'X-CSRF-Token': csrf, 'Content-Type': 'application/octet-stream', 'Transfer-Encoding': 'chunked' }) }, (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode, ...JSON.parse(text) }))
      })
      req.on('error', reject)
      for (const p of parts) req.write(p)
      req.end()
    })
    const all = Buffer.concat(parts)
    expect(seen).toMatchObject({ status: 200, method: 'POST', bytes: all.length, sha: createHash('sha256').update(all).digest('hex') })
    expect(seen.headers['transfer-encoding']).toBe('chunked')
    expect(seen.headers['content-length']).toBeUndefined()
  })

  it('streams a large response', async () => {
    const res = await fetch(`${base}${P}/public/big`, { headers: anonymous() })
    expect(res.status).toBe(200)
    expect((await res.arrayBuffer()).byteLength).toBe(128 * 65536)
  })

  it('refuses a Connection header naming a security header', async () => {
    const res = await raw('GET', `${P}/public/markets`, { ...anonymous(), Connection: 'keep-alive, Authorization' })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toEqual({ errors: ['authz.invalid_request'] })
  })

  it('answers 502 when the upstream is down (after authz) and 401 before it', async () => {
    expect((await fetch(`${base}${P}/market/down/x`, { headers: anonymous() })).status).toBe(401)
    const res = await fetch(`${base}${P}/market/down/x`, { headers: browser() })
    expect(res.status).toBe(502)
    expect(await res.json()).toEqual({ errors: ['gateway.upstream_unavailable'] })
  })

  it('answers 504 when the upstream hangs past the route timeout', async () => {
    const started = Date.now()
    const res = await fetch(`${base}${P}/market/slow/x`, { headers: browser() })
    expect(res.status).toBe(504)
    expect(await res.json()).toEqual({ errors: ['gateway.upstream_timeout'] })
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('a client that leaves before the answer takes its upstream request with it', async () => {
    const leaving = new AbortController()
    const pending = fetch(`${base}${P}/account/slow/leave`, { headers: browser(), signal: leaving.signal }).catch(() => 'left')
    const arrived = Date.now()
    while (!hits.some((h) => h.url === '/api/v2/account/slow/leave') && Date.now() - arrived < 3000) await new Promise((r) => setTimeout(r, 10))
    leaving.abort()
    expect(await pending).toBe('left')
    // Long before the route's timeout: the upstream saw its request end because the client left.
    const since = Date.now()
    while (!slowClosed.includes('/api/v2/account/slow/leave') && Date.now() - since < 3000) await new Promise((r) => setTimeout(r, 10))
    expect(slowClosed).toContain('/api/v2/account/slow/leave')
    expect(Date.now() - since).toBeLessThan(2000)
  })

  it('aborts the client response when the upstream resets mid-body', async () => {
    const res = await fetch(`${base}${P}/public/reset`, { headers: anonymous() })
    expect(res.status).toBe(200)
    await expect(res.arrayBuffer()).rejects.toThrow()
  })

  it('refuses path traversal and does not forward across a segment boundary', async () => {
    const before = hits.length
    const res = await raw('GET', `${P}/../barong/admin/users`, browser())
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toEqual({ errors: ['authz.invalid_path'] })
    const other = await fetch(`${base}/api/v2/peatiox/public/markets`, { headers: anonymous() })
    expect(other.status).toBe(404)
    expect(hits.length).toBe(before)
  })
})

/** A WebSocket handshake by hand; resolves with the status line and the socket for further frames. */
function wsHandshake(path: string, headers: Record<string, string>): Promise<{ status: number; accept: string | undefined; key: string; socket: Socket }> {
  const key = randomBytes(16).toString('base64')
  const socket = connect(port, '127.0.0.1')
  const lines = [`GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13']
  socket.write([...lines, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n'))
  return new Promise((resolve, reject) => {
    let buf = ''
    const onData = (d: Buffer) => {
      buf += d.toString('latin1')
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return
      socket.off('data', onData)
      const accept = /\r\nsec-websocket-accept: *([^\r]+)/i.exec(buf)?.[1]
      resolve({ status: Number(buf.split(' ')[1]), accept, key, socket })
    }
    socket.on('data', onData).on('error', reject)
  })
}

describe('WebSocket forwarding', () => {
  it('tunnels an authorized upgrade with our JWT', async () => {
    const { status, accept, key, socket } = await wsHandshake(`${P}/market/stream?x=1`, browser())
    expect(status).toBe(101)
    expect(accept).toBe(createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'))
    const seen = wsHits.at(-1)!
    expect(seen.url).toBe('/api/v2/market/stream?x=1')
    const { payload } = await jwtVerify(String(seen.headers.authorization).slice(7), t.deps.keys.publicKey, { audience: 'peatio' })
    expect(payload.email).toBe(email)
    expect(seen.headers['x-forwarded-for']).toBe('10.1.2.3')
    // One masked text frame ("hello"), echoed byte for byte.
    const mask = randomBytes(4)
    const frame = Buffer.concat([Buffer.from([0x81, 0x85]), mask, Buffer.from('hello').map((b, i) => b ^ mask[i % 4]!)])
    const echoed = new Promise<Buffer>((resolve) => {
      let got = Buffer.alloc(0)
      socket.on('data', (d: Buffer) => (got = Buffer.concat([got, d])).length >= frame.length && resolve(got))
    })
    socket.write(frame)
    expect((await echoed).equals(frame)).toBe(true)
    socket.destroy()
  })

  it('refuses an unauthenticated upgrade without contacting the upstream', async () => {
    const before = wsHits.length
    const { status, socket } = await wsHandshake(`${P}/market/stream`, anonymous())
    expect(status).toBe(401)
    socket.destroy()
    expect(wsHits.length).toBe(before)
  })

  it('refuses a cookie upgrade from a foreign Origin (cross-site WebSocket hijacking)', async () => {
    const { status, socket } = await wsHandshake(`${P}/market/stream`, browser({ Origin: 'https://evil.example' }))
    expect(status).toBe(403)
    socket.destroy()
  })

  it('serves a non-WebSocket Upgrade (h2c) as plain HTTP', async () => {
    const res = await raw('GET', '/api/v2/barong/public/ping', { Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAAQAoAAAAAIAAAAA' })
    expect(res.status).toBe(200)
  })
})

describe('deny rules on forwarded paths hold for every spelling', () => {
  it('a DROP row stops `withdraws.json`, `withdraws.` and fullwidth forms before the upstream', async () => {
    const { addPermission } = await import('../helpers/gateway.ts')
    await addPermission(t, { role: 'member', verb: 'all', path: 'api/v2/peatio/account/withdraws', action: 'drop' })
    const before = hits.length
    for (const path of ['withdraws', 'withdraws.json', 'Withdraws.JSON', 'withdraws.', 'withdraws%20', '%EF%BD%97ithdraws']) {
      const res = await raw('POST', `${P}/account/${path}`, browser({ 'X-CSRF-Token': csrf }))
      expect(res.status, path).toBe(401)
      expect(JSON.parse(res.body), path).toEqual({ errors: ['authz.invalid_permission'] })
    }
    expect(hits.length).toBe(before)
    const sibling = await raw('POST', `${P}/account/withdrawals.json`, browser({ 'X-CSRF-Token': csrf }))
    expect(sibling.status).toBe(200)
  })
})

describe('forwarding hardening', () => {
  it('identity-like client headers never reach the upstream', async () => {
    const sent = {
      'Remote-User': 'admin',
      'X-Remote-User': 'admin',
      'X-Forwarded-User': 'admin',
      'X-Auth-Request-User': 'admin',
      'X-Auth-Request-Email': 'admin@example.com',
      'X-Api-Key': 'k',
      'X-Authorization': 'Bearer forged',
    }
    const res = await fetch(`${base}${P}/account/balances`, { headers: browser(sent) })
    expect(res.status).toBe(200)
    const h = (await res.json()).headers as Record<string, string>
    for (const k of Object.keys(sent)) expect(h[k.toLowerCase()], k).toBeUndefined()
  })

  it('a `_method` in the query or a form body is refused before the upstream; other forms pass byte for byte', async () => {
    const before = hits.length
    const post = (path: string, body: string | FormData, type?: string) =>
      fetch(`${base}${P}/market/orders${path}`, { method: 'POST', body, headers: browser({ 'X-CSRF-Token': csrf, ...(type ? { 'Content-Type': type } : {}) }) })
    const multipart = new FormData()
    multipart.append('side', 'buy')
    multipart.append('_method', 'DELETE')
    for (const res of [
      await post('?_method=DELETE', '{}', 'application/json'),
      await post('?%5Fmethod=DELETE', '{}', 'application/json'),
      await post('', 'side=buy&_method=DELETE', 'application/x-www-form-urlencoded'),
      await post('', 'side=buy&_METHOD=delete', 'APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8'),
      await post('', multipart),
    ]) {
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({ errors: ['authz.invalid_request'] })
    }
    expect(hits.length).toBe(before)
    const form = 'side=buy&volume=1&method=limit'
    const ok = await post('', form, 'application/x-www-form-urlencoded')
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ method: 'POST', bytes: form.length, sha: createHash('sha256').update(form).digest('hex') })
  })

  it('custom verbs need the CSRF token too (PROPFIND, PURGE)', async () => {
    const before = hits.length
    for (const method of ['PROPFIND', 'PURGE']) {
      const res = await raw(method, `${P}/account/balances`, browser())
      expect(res.status, method).toBe(401)
      expect(JSON.parse(res.body)).toEqual({ errors: ['authz.missing_csrf_token'] })
    }
    expect(hits.length).toBe(before)
  })
})
