/**
 * Forwarding to upstreams (README "HTTP surface", docs/architecture.md#pipeline, docs/security-model.md#forwarding,
 * #fail-closed).
 *
 * A request under a configured prefix passes the same gate as `/api/v2/auth`; a denial is answered here and the
 * upstream never hears of it. Otherwise it is forwarded on undici's connection pool (WebSockets: http-proxy),
 * streamed both ways (the Hono body is never read), with the client's identity headers removed and exactly one
 * `Authorization: Bearer <our JWT>` added when the caller is authenticated (none on `pass` paths and on OPTIONS).
 * Header rules: proxy-headers.ts.
 */
import { ServerResponse, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { EventEmitter } from 'node:events'
import type { Duplex } from 'node:stream'
import httpProxy from 'http-proxy'
import { Pool } from 'undici'
import type { Logger } from 'pino'
import type { UpstreamRoute } from '../config/upstreams.ts'
import { routeForRawPath, upstreamPath } from './upstream-routes.ts'
import type { Deps } from '../deps.ts'
import { originTrusted } from '../http/cors.ts'
import { clearedSessionCookieHeader } from '../http/session-cookie.ts'
import { writeError, errorBody } from '../http/error-body.ts'
import { gate, type GateDeps, type GateResult } from '../authz/gate.ts'
import { formOverridesMethod, isFormBody } from '../authz/core/method-override.ts'
import { gateInput } from '../authz/request.ts'
import { jwtRefOf } from '../authz/session-jwt.ts'
import { toAppError } from '../http/on-error.ts'
import { createContextReader, type RawContext } from './context.ts'
import { downstreamHeaders, forwardedFactsFor, framingOk, upstreamHeaders } from './proxy-headers.ts'

interface Flight {
  timedOut: boolean
  upgraded: boolean
  ms: number
  proxyReq?: { destroy(err?: Error): unknown }
}

type FlightOptions = httpProxy.ServerOptions & { flight?: Flight }

export type ProxyFailure = { status: 502 | 504; key: string }

const failure = (timedOut: boolean): ProxyFailure =>
  timedOut ? { status: 504, key: 'gateway.upstream_timeout' } : { status: 502, key: 'gateway.upstream_unavailable' }

/**
 * The WebSocket tunnel's http-proxy instance; the per-request idle timeout sets a flag so a timeout (seen as
 * ECONNRESET) gives 504.
 */
function createWsProxy(logger: Logger) {
  const proxy = httpProxy.createProxyServer({ xfwd: false, followRedirects: false, changeOrigin: false, ws: true, prependPath: false })
  // Without an `error` listener http-proxy throws; every call also passes its own callback.
  proxy.on('error', (err) => logger.warn({ err: err.message }, 'proxy error'))
  // The flight rides in the per-call options, which http-proxy hands back with proxyReq (a WeakMap keyed by
  // requests instead cost a third of the forwarding throughput, in GC).
  const arm = (proxyReq: import('node:http').ClientRequest, _req: IncomingMessage, _res: unknown, options: FlightOptions) => {
    const f = options.flight
    if (!f) return
    f.proxyReq = proxyReq
    proxyReq.once('upgrade', () => (f.upgraded = true))
    proxyReq.setTimeout(f.ms, () => {
      f.timedOut = true
      proxyReq.destroy(new Error('upstream timeout'))
    })
  }
  // Only the upgrade's events: http-proxy emits neither `proxyReq` nor `proxyRes` on its WebSocket path.
  proxy.on('proxyReqWs', (proxyReq, req, socket, options) => arm(proxyReq, req, socket, options as FlightOptions))

  // Per-route proxy options, built once (target, TLS server name).
  const optionsByRoute = new WeakMap<UpstreamRoute, httpProxy.ServerOptions>()
  const optionsFor = (route: UpstreamRoute): httpProxy.ServerOptions => {
    let opts = optionsByRoute.get(route)
    if (!opts) {
      const https = route.target.protocol === 'https:'
      const target = { protocol: route.target.protocol, hostname: route.target.hostname.replace(/^\[|\]$/g, ''), port: route.target.port || (https ? '443' : '80') }
      opts = { target, ...(https ? { ssl: { servername: target.hostname } } : {}) }
      optionsByRoute.set(route, opts)
    }
    return opts
  }

  /** Sends `req` on with the given headers and path; `req` itself is left as it was. */
  function send(req: IncomingMessage, route: UpstreamRoute, headers: IncomingHttpHeaders, path: string, go: (opts: httpProxy.ServerOptions) => void): Flight {
    const flight: Flight = { timedOut: false, upgraded: false, ms: route.timeoutMs }
    const saved = { headers: req.headers, url: req.url }
    req.headers = headers
    req.url = path
    try {
      // http-proxy builds the outgoing request synchronously from req.headers and req.url.
      go({ ...optionsFor(route), flight } as FlightOptions)
    } finally {
      req.headers = saved.headers
      req.url = saved.url
    }
    return flight
  }
  return { proxy, send }
}

async function identity(deps: Deps, result: Exclude<GateResult, { type: 'deny' }>, method: string): Promise<string | undefined> {
  // OPTIONS never carries identity (docs/security-model.md#forwarding); pass paths never do.
  return result.type === 'allow' && method !== 'OPTIONS' ? `Bearer ${await deps.minter.mint(result.user, jwtRefOf(result.principal))}` : undefined
}

/** The whole request body, or null past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) return void chunks.push(chunk)
      req.off('data', onData)
      resolve(null)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', reject)
  })
}

/**
 * HTTP forwarding on undici's connection pools, one per route (keep-alive, no pipelining). The same forwarding
 * on http-proxy cost 75–89 µs of the gateway's core per request against 54–59 µs on a pool (`npm run bench --
 * forward`, README "Performance"). WebSockets stay on http-proxy (`attachUpgrade`).
 */
function createPools() {
  const pools = new Map<UpstreamRoute, Pool>()
  return {
    poolFor(route: UpstreamRoute): Pool {
      let pool = pools.get(route)
      if (!pool) {
        const https = route.target.protocol === 'https:'
        pool = new Pool(route.target.origin, {
          keepAliveTimeout: 4_000,
          connectTimeout: route.timeoutMs,
          ...(https ? { connect: { servername: route.target.hostname.replace(/^\[|\]$/g, '') } } : {}),
        })
        pools.set(route, pool)
      }
      return pool
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => {})))
    },
  }
}

/** Timeouts before the answer began are 504; anything else that kept the upstream from answering is 502. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

/**
 * Forwarding on Node's request and response (front.ts calls it for paths under a route's prefix): the gate,
 * then the route's pool, streaming both ways. A denial is answered here and the upstream never hears of it.
 */
export function createForwarder(deps: Deps, g: GateDeps) {
  const { poolFor, close } = createPools()
  return {
    close,
    /** `done` runs once the response is over (answered, forwarded, or the client went away). */
    async handle(req: IncomingMessage, res: ServerResponse, route: UpstreamRoute, ctx: RawContext, done: () => void): Promise<void> {
      const method = ctx.method
      // undici takes an emitter as the request's signal: an AbortController costs more per request (measured).
      let cancel: EventEmitter | undefined
      res.once('close', () => {
        if (!res.writableFinished) cancel?.emit('abort') // the client left: so does the upstream request
        done()
      })
      try {
        if (method === 'TRACE' || method === 'CONNECT') return writeError(res, 405, 'server.method_not_allowed', ctx.baseHeaders)
        if (!framingOk(ctx.header('connection'), ctx.header('transfer-encoding'))) return writeError(res, 400, 'authz.invalid_request', ctx.baseHeaders)
        const result = await gate(g, gateInput(ctx, false))
        if (result.type === 'deny') {
          // A session mismatch destroyed the session: the answer clears the cookie too (docs/barong-behaviour-notes.md#s2).
          const base = result.clearCookie ? { ...ctx.baseHeaders, 'set-cookie': clearedSessionCookieHeader(deps.config.env) } : ctx.baseHeaders
          return writeError(res, result.status, result.key, base)
        }
        // Form bodies are read (up to BODY_LIMIT) for a `_method` field; every other body streams.
        const type = ctx.header('content-type')
        let form: Buffer | null = null
        if (method !== 'GET' && method !== 'HEAD' && isFormBody(type)) {
          form = await readBody(req, deps.config.env.BODY_LIMIT)
          if (!form) return writeError(res, 413, 'server.payload_too_large', { ...ctx.baseHeaders, connection: 'close' })
          if (formOverridesMethod(type!, form)) return writeError(res, 400, 'authz.invalid_request', ctx.baseHeaders)
        }
        const authorization = await identity(deps, result, method)
        const facts = forwardedFactsFor(req, ctx.peerTrusted)
        const headers = upstreamHeaders(req.headers, { clientIp: ctx.clientIp, ...facts, authorization, websocket: false, sessionCookie: deps.config.env.BARONG_SESSION_NAME })
        for (const k of Object.keys(ctx.baseHeaders)) res.setHeader(k, ctx.baseHeaders[k]!) // request id, CORS
        const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0'
        cancel = new EventEmitter()
        const up = await poolFor(route)
          .request({
            method: method as 'GET',
            path: upstreamPath(route, result.path, ctx.path, ctx.query),
            headers: headers as Record<string, string | string[]>,
            body: form ?? (hasBody ? req : null),
            signal: cancel,
            headersTimeout: route.timeoutMs,
            bodyTimeout: route.timeoutMs,
          })
          .catch((err: Error & { code?: string }) => {
            if (res.destroyed) return null
            const timedOut = TIMEOUT_CODES.has(err.code ?? '')
            deps.logger.warn({ err: err.message, upstream: route.prefix, timedOut, requestId: ctx.requestId }, 'upstream unavailable')
            const f = failure(timedOut)
            if (!res.headersSent) writeError(res, f.status, f.key, {})
            return null
          })
        if (!up) return
        res.writeHead(up.statusCode, downstreamHeaders(up.headers))
        // A reset or a stall after the headers went out cannot become a 502: the client's response is aborted.
        // `pipe`, not `pipeline`: pipeline makes and aborts an AbortController per call, a sixth of this path's time.
        up.body.once('error', (err: Error) => {
          if (!res.destroyed) deps.logger.warn({ err: err.message, upstream: route.prefix, requestId: ctx.requestId }, 'upstream failed mid-response')
          res.destroy()
        })
        up.body.pipe(res)
      } catch (err) {
        const known = toAppError(err)
        if (!known) deps.logger.error({ err: (err as Error).message, requestId: ctx.requestId }, 'forwarding failed')
        if (!res.headersSent) writeError(res, known?.status ?? 500, known?.keys[0] ?? 'server.internal_error', ctx.baseHeaders)
        else res.destroy()
      }
    },
  }
}

/**
 * Node 20 hands every request carrying `Upgrade` to the `upgrade` listener once one exists, so an `h2c` attempt
 * or a WebSocket handshake outside the WebSocket routes is answered as ordinary HTTP (without the upgrade),
 * by the same app, on a connection that closes afterwards. Bodies are not supported there.
 */
function serveAsHttp(server: Server, req: IncomingMessage, socket: Duplex): void {
  if ((req.headers['content-length'] ?? '0') !== '0' || req.headers['transfer-encoding'] !== undefined) return refuse(socket, 400, 'authz.invalid_request')
  const res = new ServerResponse(req)
  res.shouldKeepAlive = false
  res.assignSocket(socket as Socket)
  res.once('finish', () => {
    res.detachSocket(socket as Socket)
    socket.end()
  })
  server.emit('request', req, res)
}


/** A raw HTTP/1.1 answer on an upgrade socket, then close. */
function refuse(socket: Duplex, status: number, key: string): void {
  const body = errorBody(key)
  const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`
  if (socket.writable) socket.end(head + body, () => socket.destroy())
  else socket.destroy()
}

/**
 * WebSocket forwarding: the upgrade request passes the same gate (cookie or API key), then is tunnelled with
 * `proxy.ws`. Returns `closeAll()` for shutdown (upgraded sockets keep `server.close()` waiting otherwise).
 */
export function attachUpgrade(server: Server, deps: Deps, g: GateDeps, routes: readonly UpstreamRoute[] = deps.upstreams): { closeAll(): void } {
  const open = new Set<Duplex>()
  if (!routes.some((r) => r.websocket)) return { closeAll() {} }
  const { send, proxy } = createWsProxy(deps.logger)
  const { context } = createContextReader(deps)

  const handle = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? ''
    const q = url.indexOf('?')
    const ctx = context(req, q < 0 ? url : url.slice(0, q), q < 0 ? '' : url.slice(q + 1))
    const header = ctx.header
    const route = routeForRawPath(routes, ctx.path)
    if (header('upgrade')?.toLowerCase() !== 'websocket' || !route?.websocket) return serveAsHttp(server, req, socket)
    if (req.method !== 'GET') return refuse(socket, 400, 'authz.invalid_request')
    if (!framingOk(header('connection'), header('transfer-encoding'))) return refuse(socket, 400, 'authz.invalid_request')
    const result = await gate(g, gateInput(ctx, false))
    if (result.type === 'deny') return refuse(socket, result.status, result.key)
    // Browsers send cookies on cross-origin WebSocket handshakes and no CORS applies (cross-site WebSocket
    // hijacking): a cookie session upgrades only from its own host or a listed origin, or without Origin.
    if (result.type === 'allow' && result.principal.kind === 'session' && !originTrusted(deps.config.env, req.headers.origin || undefined, forwardedFactsFor(req, ctx.peerTrusted).host, header('sec-fetch-site'))) {
      return refuse(socket, 403, 'authz.invalid_origin')
    }
    if (socket.destroyed) return
    const authorization = await identity(deps, result, 'GET')
    const headers = upstreamHeaders(req.headers, { clientIp: ctx.clientIp, ...forwardedFactsFor(req, ctx.peerTrusted), authorization, websocket: true, sessionCookie: deps.config.env.BARONG_SESSION_NAME })
    open.add(socket)
    socket.once('close', () => open.delete(socket))
    const flight = send(req, route, headers, upstreamPath(route, result.path, ctx.path, ctx.query), (opts) =>
      proxy.ws(req, socket, head, opts, (err) => {
        deps.logger.warn({ err: err.message, upstream: route.prefix }, 'websocket upstream failed')
        const f = failure(flight.timedOut)
        if (flight.upgraded) socket.destroy()
        else refuse(socket, f.status, f.key)
      }),
    )
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removed its own listeners from an upgraded socket: without ours an error would crash the process.
    socket.on('error', () => socket.destroy())
    handle(req, socket, head).catch((err: unknown) => {
      deps.logger.error({ err: (err as Error).message }, 'websocket upgrade failed')
      refuse(socket, 500, 'server.internal_error')
    })
  })
  return {
    closeAll() {
      for (const s of open) (s as Socket).destroy()
    },
  }
}
