/**
 * Header hygiene for forwarded requests (docs/security-model.md#forwarding): hop-by-hop headers and every
 * client-supplied identity, routing or method-override header are removed; X-Forwarded-For/-Proto/-Host are
 * overwritten, never appended. Kept on purpose: `Cookie` (upstreams such as applogic may read their own cookies)
 * without the gateway's session cookie — an upstream never sees a live session id — and `X-CSRF-Token`.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'

/** RFC 9110 §7.6.1 hop-by-hop headers (plus `Expect`: Node already answered `100-continue`). */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings'])
/** Client-supplied identity, routing and method-override headers: never passed on. The identity ones include
 *  what common auth proxies and frameworks read as the signed-in user or a credential (REMOTE_USER, oauth2-proxy's
 *  X-Auth-Request-*, X-Forwarded-User, X-Api-Key). */
const STRIPPED = new Set([
  'authorization', 'forwarded', 'x-real-ip', 'true-client-ip', 'cf-connecting-ip', 'x-client-ip', 'x-cluster-client-ip', 'x-rewrite-url',
  'x-http-method-override', 'x-http-method', 'x-method-override',
  'remote-user', 'x-api-key', 'x-authorization',
])
const STRIPPED_PREFIXES = ['x-auth-', 'x-user-', 'x-original-', 'x-envoy-', 'x-forwarded-', 'x-remote-']
/** A `Connection` header naming one of these asks the next hop to drop what the upstream relies on: 400. */
const PROTECTED = /^(authorization|cookie|host|content-length|forwarded|x-real-ip|x-csrf-token|x-forwarded-.*|x-auth-.*|x-user-.*)$/

const NONE: readonly string[] = Object.freeze([])
export const tokens = (v: string | string[] | undefined): readonly string[] =>
  v === undefined ? NONE : (Array.isArray(v) ? v.join(',') : v).split(',').map((t) => t.trim().toLowerCase()).filter(Boolean)

/** Connection must not name a security header; Transfer-Encoding, if any, must be exactly `chunked`. */
export function framingOk(connection: string | undefined, transferEncoding: string | undefined): boolean {
  if (tokens(connection).some((t) => PROTECTED.test(t))) return false
  return transferEncoding === undefined || transferEncoding.trim().toLowerCase() === 'chunked'
}

export interface HeaderFacts {
  clientIp: string
  proto: 'http' | 'https'
  host: string | undefined
  authorization: string | undefined
  websocket: boolean
  /** The session cookie's name: removed from the forwarded Cookie header. */
  sessionCookie: string
}

/** The Cookie header without the named cookie; undefined when nothing is left. */
export function withoutCookie(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  const kept = (Array.isArray(header) ? header.join('; ') : header)
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p && p.slice(0, p.indexOf('=') < 0 ? p.length : p.indexOf('=')).trim() !== name)
  return kept.length ? kept.join('; ') : undefined
}

/** The headers the upstream gets: hop-by-hop and client identity removed, X-Forwarded-* overwritten. */
export function upstreamHeaders(from: IncomingHttpHeaders, f: HeaderFacts): IncomingHttpHeaders {
  const named = new Set(tokens(from.connection))
  const out: IncomingHttpHeaders = {}
  // Built by adding only, never `delete`: a deleted property turns the object into a slow dictionary for
  // everything that reads it after (http-proxy, Node's header writer).
  for (const name of Object.keys(from)) {
    const value = from[name]
    if (value === undefined || name === 'cookie' || HOP_BY_HOP.has(name) || named.has(name) || STRIPPED.has(name)) continue
    if (STRIPPED_PREFIXES.some((p) => name.startsWith(p))) continue
    out[name] = value
  }
  const cookie = withoutCookie(from.cookie, f.sessionCookie)
  if (cookie !== undefined) out.cookie = cookie
  // No framing headers: the forwarding pool frames the body itself (and refuses them); an upgrade has no body.
  if (f.websocket) Object.assign(out, { connection: 'Upgrade', upgrade: 'websocket' })
  Object.assign(out, { 'x-forwarded-for': f.clientIp, 'x-real-ip': f.clientIp, 'x-forwarded-proto': f.proto })
  if (f.host) out['x-forwarded-host'] = f.host
  if (f.authorization) out.authorization = f.authorization
  return out
}

/** The upstream's response headers without hop-by-hop ones, built by adding only (no `delete`). */
export function downstreamHeaders(from: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const named = new Set(tokens(from.connection))
  const out: Record<string, string | string[]> = {}
  for (const name of Object.keys(from)) {
    const value = from[name]
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue
    out[name] = value
  }
  return out
}

const HOST = /^[A-Za-z0-9.\-:[\]]{1,255}$/
const last = (v: string | string[] | undefined) => tokens(v).at(-1)

/** Proto and host as the client saw them: from X-Forwarded-* only when the peer is a trusted proxy. */
export function forwardedFactsFor(req: IncomingMessage, trusted: boolean): { proto: 'http' | 'https'; host: string | undefined } {
  const xfProto = trusted ? last(req.headers['x-forwarded-proto']) : undefined
  const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : xfProto === 'https' ? 'https' : 'http'
  const xfHost = trusted ? last(req.headers['x-forwarded-host']) : undefined
  const host = xfHost && HOST.test(xfHost) ? xfHost : req.headers.host && HOST.test(req.headers.host) ? req.headers.host : undefined
  return { proto, host }
}
