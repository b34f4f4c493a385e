/**
 * The request as the pipeline reads it, whichever server received it (the gateway's node:http fast path, the
 * WebSocket upgrade, or the Hono app), and the caller it turned out to be.
 */

/** What the pipeline learned about the caller; handlers never re-parse cookies or headers. */
export interface Principal {
  kind: 'session' | 'apikey' | 'bearer'
  uid: string
  userId: number
  role: string
  /** Session id hash (cookie path) or kid (API-key path). */
  ref: string
  /** Hash of the session the request acts for: the cookie's, or the one a Bearer JWT was minted for. */
  sessionHash?: string
  csrfToken?: string
}

export type HeaderReader = (name: string) => string | undefined

/** What authentication reads from a request; the same for every server. */
export interface AuthRequest {
  method: string
  header(name: string): string | undefined
  sessionId: string | undefined
  ip: string
  /** Accept `Authorization: Bearer <our JWT>`: only the built-in API, only from a trusted peer (a proxy that
   *  got the JWT from /api/v2/auth); the JWT is never a client credential. */
  allowBearer: boolean
}

/** Facts read once per request at the edge. */
export interface RequestFacts {
  /** The request target's path as sent (not decoded or normalised) and its raw query. */
  path: string
  query: string
  method: string
  /** docs/security-model.md#client-ip: X-Forwarded-For believed only from BARONG_TRUSTED_PROXIES. */
  clientIp: string
  header: HeaderReader
  sessionId: string | undefined
  /** The socket peer is a trusted proxy (BARONG_TRUSTED_PROXIES). */
  peerTrusted: boolean
}

/** What `gate()` decides on: the request (the target may differ from the one received, e.g. Traefik's forwardAuth). */
export interface GateInput extends AuthRequest {
  /** The path as the client sent it (not yet decoded or normalised), without the query. */
  rawPath: string
  /** The raw query string (parsed only when an audit row is written). */
  query: string
}

/**
 * The gate's input for a request. `allowBearer`: only the built-in API, and only from a trusted peer, accepts our
 * own JWT (docs/security-model.md); the authorization endpoint and forwarding never do.
 */
export function gateInput(r: RequestFacts, allowBearer: boolean, path = r.path, query = r.query, method = r.method): GateInput {
  return { rawPath: path, query, method, ip: r.clientIp, header: r.header, sessionId: r.sessionId, allowBearer }
}
