import type { Context } from 'hono'
import type { ParamsSpec } from './params.ts'

/**
 * Barong's pagination (api-pagination + Kaminari, docs/barong-behaviour-notes.md#s4-0): `page` ≥ 1 (default 1), `limit` 1..100
 * (default 100), with bare keys; the answer carries `Total`, `Page`, `Per-Page` and an RFC 5988 `Link`.
 * A page past the end is an empty list with 200.
 */
export const MAX_LIMIT = 100

export const pageParams = {
  page: { type: 'integer', default: 1, min: 1, invalid: 'non_integer_page', rangeError: 'non_positive_page', description: 'Page number (from 1)' },
  limit: { type: 'integer', default: MAX_LIMIT, min: 1, max: MAX_LIMIT, invalid: 'non_integer_limit', rangeError: 'invalid_limit', description: 'Items per page (1..100)' },
} as const satisfies ParamsSpec

export interface PageRequest {
  page: number
  limit: number
}

export interface PageWindow extends PageRequest {
  /** Rows to skip; past Number.MAX_SAFE_INTEGER nothing can be there anyway. */
  offset: number
}

export function pageWindow({ page, limit }: PageRequest): PageWindow {
  return { page, limit, offset: Math.min((page - 1) * limit, Number.MAX_SAFE_INTEGER) }
}

/** `first`/`prev`/`next`/`last` links as api-pagination writes them (only those that apply). */
export function pageLinks(url: string, { page, limit }: PageRequest, total: number): string {
  const last = Math.max(1, Math.ceil(total / limit))
  const link = (p: number, rel: string) => {
    const u = new URL(url)
    u.searchParams.set('page', String(p))
    u.searchParams.set('limit', String(limit))
    return `<${u.toString()}>; rel="${rel}"`
  }
  const links: string[] = []
  if (page > 1) links.push(link(1, 'first'), link(Math.min(page - 1, last), 'prev'))
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
  return links.join(', ')
}

/** Sets the pagination headers for a page of `total` items. */
export function setPageHeaders(c: Context, req: PageRequest, total: number): void {
  c.header('Total', String(total))
  c.header('Page', String(req.page))
  c.header('Per-Page', String(req.limit))
  const links = pageLinks(c.req.url, req, total)
  if (links) c.header('Link', links)
}

/**
 * Runs the count and the page query (the latter only when the page can hold anything), sets the
 * headers and returns the rows.
 */
export async function paginate<T>(
  c: Context,
  req: PageRequest,
  query: { count: () => Promise<number>; rows: (w: PageWindow) => Promise<T[]> },
): Promise<T[]> {
  const w = pageWindow(req)
  const total = await query.count()
  const rows = w.offset < total ? await query.rows(w) : []
  setPageHeaders(c, req, total)
  return rows
}
