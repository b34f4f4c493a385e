/**
 * Forwarding routes (`BARONG_UPSTREAMS`, README "HTTP surface"): a JSON or YAML list of
 * `{ prefix, target, rewrite?, timeoutMs?, websocket? }`.
 *
 * Loaded and validated here, sorted longest prefix first; matched against requests in
 * src/gateway/upstream-routes.ts.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { z } from 'zod'
import { canonicalizePath } from '../authz/core/canonical-path.ts'
import { startsWithSegments } from '../authz/core/path-match.ts'

export interface UpstreamRoute {
  readonly prefix: string
  readonly segments: readonly string[]
  /** The upstream's origin (`http://host:port`); requests never choose it. */
  readonly target: URL
  /** The target's path without trailing slash (`''` for none), put before the forwarded path. */
  readonly basePath: string
  /** Replaces the prefix segments on the way out; undefined keeps the path as is. */
  readonly rewrite: readonly string[] | undefined
  /** Idle timeout towards the upstream (no byte for this long ⇒ 504 before headers, abort after). */
  readonly timeoutMs: number
  readonly websocket: boolean
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000

/** The gateway's own paths: a route equal to or above one of them would swallow it. */
const RESERVED = ['api/v2/barong', 'api/v2/auth', '.well-known/jwks.json', 'healthz', 'readyz', 'metrics']

/** A path written in canonical form: `/`-led, no trailing slash, no `//`, dot segments or escapes. */
const plainPath = (allowRoot: boolean) =>
  z.string().refine((p) => {
    if (allowRoot && p === '/') return true
    const c = canonicalizePath(p)
    return p.startsWith('/') && c.ok && c.path !== '' && `/${c.path}` === p
  }, allowRoot ? 'must be `/` or a plain path starting with `/`, without trailing slash' : 'must be a plain path starting with `/`, without trailing slash')

const targetUrl = z.string().refine((t) => {
  try {
    const u = new URL(t)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.search === '' && u.hash === '' && !t.includes('?') && !u.username && !u.password
  } catch {
    return false
  }
}, 'must be an http(s) URL without query, fragment or credentials')

const routeSchema = z.strictObject({
  prefix: plainPath(false),
  target: targetUrl,
  rewrite: plainPath(true).optional(),
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
  websocket: z.boolean().optional(),
})

const fileSchema = z.array(routeSchema)

export function parseUpstreams(text: string, source: string): readonly UpstreamRoute[] {
  const fail = (why: string): never => {
    throw new Error(`BARONG_UPSTREAMS: ${source}: ${why}`)
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (err) {
    fail((err instanceof Error ? err.message : String(err)).split('\n')[0]?.replace(/:$/, '') || 'unparseable')
  }
  if (doc === null || doc === undefined) return Object.freeze([])
  const parsed = fileSchema.safeParse(doc)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '')
    return fail(`${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'} (expected a list of { prefix, target, rewrite?, timeoutMs?, websocket? })`)
  }
  const seen = new Set<string>()
  const routes = parsed.data.map((r, i): UpstreamRoute => {
    const segments = r.prefix.split('/').filter(Boolean)
    if (seen.has(r.prefix)) fail(`[${i}].prefix: ${r.prefix} is listed twice`)
    seen.add(r.prefix)
    for (const own of RESERVED) {
      if (startsWithSegments(own.split('/'), segments)) fail(`[${i}].prefix: ${r.prefix} would cover the gateway's own /${own}`)
    }
    const target = new URL(r.target)
    return Object.freeze({
      prefix: r.prefix,
      segments: Object.freeze(segments),
      target: new URL(target.origin),
      basePath: target.pathname.replace(/\/+$/, ''),
      rewrite: r.rewrite === undefined ? undefined : Object.freeze(r.rewrite.split('/').filter(Boolean)),
      timeoutMs: r.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
      websocket: r.websocket !== false,
    })
  })
  // Longest prefix first: the first match is the most specific route.
  routes.sort((a, b) => b.segments.length - a.segments.length)
  return Object.freeze(routes)
}

/** Reads the file named by BARONG_UPSTREAMS (none configured: no forwarding routes). */
export function loadUpstreams(file: string | undefined): readonly UpstreamRoute[] {
  if (!file) return Object.freeze([])
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new Error(`BARONG_UPSTREAMS: cannot read ${file}: ${(err as Error).message}`)
  }
  return parseUpstreams(text, file)
}
