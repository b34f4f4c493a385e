import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { routeForRawPath, type UpstreamRoute } from '../config/upstreams.ts'
import type { Deps } from '../deps.ts'
import { corsHeaders } from '../http/cors.ts'
import { toAppError } from '../http/on-error.ts'
import { sessionIdFromHeader } from '../http/session-cookie.ts'
import { createRequestRecorder, requestIdFrom } from '../http/request-log.ts'
import { AUTHZ_PREFIX, answerAuthz } from './authz-answer.ts'
import { createClientIpResolver } from './client-ip.ts'
import type { GateDeps } from './gate.ts'
import { createForwarder } from './proxy.ts'
import { createTickBatch } from '../util/batch.ts'

export interface RawContext {
  requestId: string
  clientIp: string
  header(name: string): string | undefined
  sessionId: string | undefined
  path: string
  query: string
  /** Headers every answer carries (request id, CORS). */
  baseHeaders: Record<string, string>
}

/**
 * The gateway's hot paths — `/api/v2/auth/*` and forwarding routes — answered on Node's own request and
 * response, without building fetch Request/Response objects; everything else (the Barong API, CORS
 * preflights, health) goes to the Hono app. Same gate, same answers, same log line and metrics.
 */
export function frontListener(deps: Deps, g: GateDeps, fallback: RequestListener): RequestListener {
  const env = deps.config.env
  const trueClient = env.BARONG_GATEWAY === 'akamai' || env.BARONG_TRUST_TRUE_CLIENT_IP
  const forwarder = deps.upstreams.length ? createForwarder(deps, g) : null
  const anyOrigin = env.BARONG_API_CORS_ORIGINS.includes('*')
  const record = createRequestRecorder(deps)
  const clientIp = createClientIpResolver(deps.trustedProxies)

  const context = (req: IncomingMessage, path: string, query: string): RawContext => {
    const header = (name: string) => {
      const v = req.headers[name]
      return Array.isArray(v) ? v.join(', ') : v
    }
    const requestId = requestIdFrom(header('x-request-id'))
    const origin = header('origin')
    const base: Record<string, string> = origin === undefined && !anyOrigin ? { 'x-request-id': requestId } : { 'x-request-id': requestId, ...corsHeaders(env, origin) }
    return {
      requestId,
      clientIp: clientIp(req.socket.remoteAddress ?? '', header('x-forwarded-for'), trueClient ? header('true-client-ip') : undefined),
      header,
      sessionId: sessionIdFromHeader(header('cookie'), env.BARONG_SESSION_NAME),
      path,
      query,
      baseHeaders: base,
    }
  }

  const finish = (req: IncomingMessage, res: ServerResponse, route: string, start: number, ctx: RawContext) =>
    record({ requestId: ctx.requestId, method: req.method ?? 'GET', path: ctx.path, route, status: res.statusCode, ms: performance.now() - start, ip: ctx.clientIp })

  const authz = async (req: IncomingMessage, res: ServerResponse, ctx: RawContext, start: number) => {
    let status: number
    let body = ''
    const headers = ctx.baseHeaders
    try {
      const answer = await answerAuthz(deps, g, { path: ctx.path, query: ctx.query, method: req.method ?? 'GET', ip: ctx.clientIp, header: ctx.header, sessionId: ctx.sessionId })
      status = answer.status
      if (answer.authorization) headers.authorization = answer.authorization
      if (answer.errorKey) body = `{"errors":["${answer.errorKey}"]}`
    } catch (err) {
      const known = toAppError(err)
      if (!known) deps.logger.error({ err: (err as Error).message, requestId: ctx.requestId }, 'unhandled error')
      status = known?.status ?? 500
      Object.assign(headers, known?.headers ?? {})
      body = JSON.stringify({ errors: known?.keys ?? ['server.internal_error'] })
    }
    if (body) headers['content-type'] = 'application/json'
    headers['content-length'] = String(Buffer.byteLength(body))
    res.writeHead(status, headers)
    res.end(body)
    // Recorded once the answer is handed to the socket (no per-request 'finish' listener on this path).
    finish(req, res, `${AUTHZ_PREFIX}/*`, start, ctx)
  }
  const onError = (err: unknown) => deps.logger.error({ err: (err as Error)?.message }, 'unhandled error')
  // Decisions of one event-loop turn are taken together: one store round trip, one burst of answers.
  const decideLater = createTickBatch<[IncomingMessage, ServerResponse, RawContext, number]>(([req, res, ctx, start]) => void authz(req, res, ctx, start), onError)
  const forwardLater = createTickBatch<[IncomingMessage, ServerResponse, UpstreamRoute, RawContext, number]>(
    ([req, res, route, ctx, start]) => void forwarder!.handle(req, res, route, ctx, () => finish(req, res, `${route.prefix}/*`, start, ctx)),
    onError,
  )

  return (req, res) => {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    // CORS preflights are the app's (its CORS middleware answers them, as Barong's Rack::Cors does).
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined
    if (!preflight && (path === AUTHZ_PREFIX || path.startsWith(`${AUTHZ_PREFIX}/`))) {
      const start = performance.now()
      decideLater([req, res, context(req, path, q < 0 ? '' : url.slice(q + 1)), start])
      return
    }
    const route = forwarder && !preflight ? routeForRawPath(deps.upstreams, path) : null
    if (forwarder && route) {
      const start = performance.now()
      forwardLater([req, res, route, context(req, path, q < 0 ? '' : url.slice(q + 1)), start])
      return
    }
    fallback(req, res)
  }
}
