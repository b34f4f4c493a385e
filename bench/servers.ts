/**
 * Reference servers for the benchmark, one per child process: `hello` (bare Hono), `upstream` (node:http JSON),
 * `proxy <target>` (plain http-proxy with a keep-alive agent, like the gateway's), `undici-proxy <target>` (the same on
 * undici's pool), `floor <redis url> <key>`
 * (node:http doing nothing but one Redis read per request, batched per event-loop turn, and
 * answering with a 1 KB Authorization header: what any gateway with a per-request store read can reach
 * here). Prints `listening <port>`.
 */
import { createServer, Agent, type ServerResponse } from 'node:http'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import httpProxy from 'http-proxy'
import { Redis } from 'ioredis'
import { createKeyBatch, createTickBatch } from '../src/util/batch.ts'

const [kind, target] = process.argv.slice(2)
const ready = (port: number) => process.stdout.write(`listening ${port}\n`)
const portOf = (s: ReturnType<typeof createServer>) => (s.address() as { port: number }).port

if (kind === 'hello') {
  serve({ fetch: new Hono().get('/', (c) => c.text('ok')).fetch, port: 0, hostname: '127.0.0.1' }, (info) => ready(info.port))
} else if (kind === 'upstream') {
  const body = JSON.stringify([{ currency: 'btc', balance: '1.5', locked: '0.0' }])
  const s = createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Bench-Upstream': '1', 'X-Saw-Authorization': req.headers.authorization ? '1' : '0' })
    res.end(body)
  })
  s.listen(0, '127.0.0.1', () => ready(portOf(s)))
} else if (kind === 'proxy' && target) {
  const proxy = httpProxy.createProxyServer({ target, agent: new Agent({ keepAlive: true, timeout: 4_000 }), xfwd: false })
  proxy.on('error', (_err, _req, res) => {
    if ('writeHead' in res && !res.headersSent) res.writeHead(502)
    res.end()
  })
  const s = createServer((req, res) => proxy.web(req, res))
  s.listen(0, '127.0.0.1', () => ready(portOf(s)))
} else if (kind === 'undici-proxy' && target) {
  // The same forwarding on undici's connection pool (keep-alive, pipelining off): measured beside http-proxy.
  const { Pool } = await import('undici')
  const pool = new Pool(target, { connections: 64 })
  const s = createServer((req, res) => {
    const headers = { ...req.headers }
    delete headers.connection
    delete headers['keep-alive']
    const body = req.method === 'GET' || req.method === 'HEAD' ? null : req
    pool.request({ method: req.method as 'GET', path: req.url ?? '/', headers, body }).then(
      (up) => {
        const out = { ...up.headers }
        delete out.connection
        delete out['keep-alive']
        delete out['transfer-encoding']
        res.writeHead(up.statusCode, out as Record<string, string>)
        up.body.pipe(res)
      },
      () => {
        res.writeHead(502)
        res.end()
      },
    )
  })
  s.listen(0, '127.0.0.1', () => ready(portOf(s)))
} else if (kind === 'floor' && target) {
  const key = process.argv[4] ?? 'bench:floor'
  const redis = new Redis(target, { enableAutoPipelining: true })
  await redis.set(key, JSON.stringify({ uid: 'ID0123456789', ua: 'x'.repeat(60), ip: '127.0.0.1', csrf: 'c'.repeat(64), expireAt: 0 }), 'PX', 15 * 60_000)
  const read = createKeyBatch<string | null>((keys) => redis.mget(keys))
  const authorization = `Bearer ${'x'.repeat(1024)}`
  const answer = createTickBatch<ServerResponse>((res) => {
    read(key).then(
      (v) => {
        res.writeHead(v ? 200 : 500, { authorization, 'content-length': '0' })
        res.end()
      },
      () => {
        res.writeHead(503)
        res.end()
      },
    )
  }, () => {})
  const s = createServer((_req, res) => answer(res))
  s.listen(0, '127.0.0.1', () => ready(portOf(s)))
} else {
  process.stderr.write('usage: servers.ts hello | upstream | proxy <target> | floor <redis url> <key>\n')
  process.exit(2)
}
