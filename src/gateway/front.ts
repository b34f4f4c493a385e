import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import type { UpstreamRoute } from '../config/upstreams.ts'
import type { Deps } from '../deps.ts'
import { errorBody, writeError } from '../http/error-body.ts'
import { toAppError } from '../http/on-error.ts'
import { createRequestRecorder } from '../http/request-log.ts'
import type { GateDeps } from '../authz/gate.ts'
import { createTickBatch } from '../util/batch.ts'
import { AUTHZ_PREFIX, answerAuthz } from './authz-answer.ts'
import { createContextReader, type RawContext } from './context.ts'
import { createForwarder } from './proxy.ts'
import { routeForRawPath } from './upstream-routes.ts'

const isAuthzPath = (path: string) => path === AUTHZ_PREFIX || path.startsWith(`${AUTHZ_PREFIX}/`)

/** Request context and the answer of `/api/v2/auth/*` on Node's request/response, shared by both listeners. */
function createRawGateway(deps: Deps, g: GateDeps) {
  const record = createRequestRecorder(deps)
  const { context } = createContextReader(deps)

  const finish = (req: IncomingMessage, res: ServerResponse, route: string, start: number, ctx: RawContext) =>
    record({ requestId: ctx.requestId, method: req.method ?? 'GET', path: ctx.path, route, status: res.statusCode, ms: performance.now() - start, ip: ctx.clientIp })

  const authz = async (req: IncomingMessage, res: ServerResponse, ctx: RawContext, start: number) => {
    let status: number
    let body = ''
    const headers = ctx.baseHeaders
    try {
      const answer = await answerAuthz(deps, g, ctx)
      status = answer.status
      if (answer.authorization) headers.authorization = answer.authorization
      if (answer.setCookie) headers['set-cookie'] = answer.setCookie
      if (answer.errorKey) body = errorBody(answer.errorKey)
    } catch (err) {
      const known = toAppError(err)
      if (!known) deps.logger.error({ err: (err as Error).message, requestId: ctx.requestId }, 'unhandled error')
      status = known?.status ?? 500
      Object.assign(headers, known?.headers ?? {})
      body = errorBody(known?.keys ?? 'server.internal_error')
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
  return { context, finish, decideLater, onError }
}

/** Splits a request target; null for anything but origin-form (absolute-, authority- and asterisk-form). */
function splitTarget(url: string): { path: string; query: string } | null {
  // Routes and rules are chosen from the path alone (docs/security-model.md#forwarding): `GET http://x/api/v2/auth/…` is refused.
  if (url.charCodeAt(0) !== 0x2f /* / */) return null
  const q = url.indexOf('?')
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) }
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})
const refuseTarget = (res: ServerResponse) => writeError(res, 400, 'authz.invalid_request', NO_HEADERS)
const notFound = (res: ServerResponse) => writeError(res, 404, 'record.not_found', NO_HEADERS)

/**
 * The gateway's hot paths — `/api/v2/auth/*` and forwarding routes — answered on Node's own request and
 * response, without building fetch Request/Response objects; everything else (the Barong API, CORS
 * preflights, health) goes to the Hono app. Same gate, same answers, same log line and metrics.
 * `/api/v2/auth` is served only here (and, with BARONG_AUTHZ_PORT set, only by `authzListener`: 404 here).
 */
export function frontListener(deps: Deps, g: GateDeps, fallback: RequestListener): RequestListener {
  const { context, finish, decideLater, onError } = createRawGateway(deps, g)
  const forwarder = deps.upstreams.length ? createForwarder(deps, g) : null
  if (forwarder) deps.onClose.push(() => forwarder.close()) // its keep-alive connections to the upstreams
  const authzHere = deps.config.env.BARONG_AUTHZ_PORT === undefined
  const forwardLater = createTickBatch<[IncomingMessage, ServerResponse, UpstreamRoute, RawContext, number]>(
    ([req, res, route, ctx, start]) => void forwarder!.handle(req, res, route, ctx, () => finish(req, res, `${route.prefix}/*`, start, ctx)),
    onError,
  )

  return (req, res) => {
    const target = splitTarget(req.url ?? '/')
    if (!target) return refuseTarget(res)
    const { path, query } = target
    if (isAuthzPath(path) && !authzHere) return notFound(res)
    // CORS preflights are the app's (its CORS middleware answers them, as Barong's Rack::Cors does).
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined
    if (!preflight && isAuthzPath(path)) {
      const start = performance.now()
      decideLater([req, res, context(req, path, query), start])
      return
    }
    const route = forwarder && !preflight ? routeForRawPath(deps.upstreams, path) : null
    if (forwarder && route) {
      const start = performance.now()
      forwardLater([req, res, route, context(req, path, query), start])
      return
    }
    fallback(req, res)
  }
}

/** The listener of BARONG_AUTHZ_PORT: `/api/v2/auth/*` for trusted peers, 404 for everything else. */
export function authzListener(deps: Deps, g: GateDeps): RequestListener {
  const { context, decideLater } = createRawGateway(deps, g)
  return (req, res) => {
    const target = splitTarget(req.url ?? '/')
    if (!target) return refuseTarget(res)
    if (!isAuthzPath(target.path)) return notFound(res)
    decideLater([req, res, context(req, target.path, target.query), performance.now()])
  }
}
