import type { IncomingMessage } from 'node:http'
import { createClientIpResolver, createPeerTrust } from '../authz/core/client-ip.ts'
import type { HeaderReader, RequestFacts } from '../authz/request.ts'
import type { Deps } from '../deps.ts'
import { corsHeaders } from '../http/cors.ts'
import { requestIdFrom } from '../http/request-log.ts'
import { sessionIdFromHeader } from '../http/session-cookie.ts'

/** A request on the gateway's node:http paths: the pipeline's facts, plus what every answer carries. */
export interface RawContext extends RequestFacts {
  requestId: string
  /** Headers every answer carries (request id, CORS). */
  baseHeaders: Record<string, string>
}

/** A header of Node's request, duplicates joined with `, `. */
export function headerOf(req: IncomingMessage): HeaderReader {
  return (name) => {
    const v = req.headers[name]
    return Array.isArray(v) ? v.join(', ') : v
  }
}

/** Reads the facts of a node:http request once; the trusted-proxy setting and its remembered answers are built here once. */
export function createContextReader(deps: Pick<Deps, 'config' | 'trustedProxies'>) {
  const env = deps.config.env
  const anyOrigin = env.BARONG_API_CORS_ORIGINS.includes('*')
  const clientIp = createClientIpResolver(deps.trustedProxies)
  const peerTrusted = createPeerTrust(deps.trustedProxies)
  return {
    peerTrusted,
    context(req: IncomingMessage, path: string, query: string): RawContext {
      const header = headerOf(req)
      const requestId = requestIdFrom(header('x-request-id'))
      const origin = header('origin')
      const baseHeaders: Record<string, string> = origin === undefined && !anyOrigin ? { 'x-request-id': requestId } : { 'x-request-id': requestId, ...corsHeaders(env, origin) }
      const peer = req.socket.remoteAddress ?? ''
      return {
        requestId,
        path,
        query,
        method: req.method ?? 'GET',
        clientIp: clientIp(peer, header),
        header,
        sessionId: sessionIdFromHeader(header('cookie'), env.BARONG_SESSION_NAME),
        peerTrusted: peerTrusted(peer),
        baseHeaders,
      }
    },
  }
}
