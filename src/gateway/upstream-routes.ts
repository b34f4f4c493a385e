/**
 * Which forwarding route a request takes, and the target sent upstream (README "HTTP surface").
 *
 * A route is chosen from the request path only — never from `Host`, `X-Forwarded-Host` or an absolute-form
 * request target (docs/security-model.md#forwarding). Prefixes match whole segments (`/api/v2/peatio` covers
 * `/api/v2/peatio/x`, not `/api/v2/peatiox`), case-sensitively, and the longest prefix wins (the routes come
 * sorted so from src/config/upstreams.ts).
 */
import { canonicalPathOf } from '../authz/core/canonical-path.ts'
import { startsWithSegments } from '../authz/core/path-match.ts'
import type { UpstreamRoute } from '../config/upstreams.ts'
import { memoByString } from '../util/memo.ts'

/** The most specific route whose prefix covers `segments` (whole segments, exact case), or null. */
export function matchUpstream(routes: readonly UpstreamRoute[], segments: readonly string[]): UpstreamRoute | null {
  for (const r of routes) if (startsWithSegments(segments, r.segments)) return r
  return null
}

/**
 * The route for a raw request path: matched on the canonical segments, or — when the path is not canonical
 * (`..`, `%2f`, …) — on its literal segments, so the gate still sees it and refuses it with 400.
 */
export function routeForRawPath(routes: readonly UpstreamRoute[], rawPath: string): UpstreamRoute | null {
  if (routes.length === 0) return null
  const c = canonicalPathOf(rawPath)
  return matchUpstream(routes, c.ok ? c.segments : rawPath.split('/').filter(Boolean))
}

/**
 * The upstream request target: base path of the target + (rewrite or prefix) + the rest of the canonical
 * path, each segment re-encoded, so the upstream routes exactly the path the gate decided on; the raw
 * query is kept as sent.
 */
export function upstreamPath(route: UpstreamRoute, canonicalPath: string, rawPath: string, rawQuery: string): string {
  let paths = pathsByRoute.get(route)
  if (!paths) pathsByRoute.set(route, (paths = memoByString((key) => rewritePath(route, key.slice(1), key[0] === '/'))))
  // The rewritten path depends only on the canonical path and a trailing slash: remembered per route.
  const path = paths(`${rawPath.endsWith('/') ? '/' : '-'}${canonicalPath}`)
  return rawQuery ? `${path}?${rawQuery}` : path
}

const pathsByRoute = new WeakMap<UpstreamRoute, (key: string) => string>()

function rewritePath(route: UpstreamRoute, canonicalPath: string, trailingSlash: boolean): string {
  const segments = canonicalPath.split('/').filter(Boolean)
  const rest = segments.slice(route.segments.length)
  const out = [...(route.rewrite ?? route.segments), ...rest].map(encodeSegment)
  let path = out.length ? `${route.basePath}/${out.join('/')}` : route.basePath || '/'
  if (out.length && trailingSlash) path += '/'
  return path
}

/** Percent-encodes what a path segment may not carry raw; RFC 3986 `pchar` sub-delims stay as they are. */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/%(24|26|2B|2C|3D|3A|40)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}
