import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Api } from '../../src/http/api.ts'
import { pageLinks, pageParams, pageWindow, paginate } from '../../src/http/paginate.ts'
import { validateParams } from '../../src/http/params.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'

describe('page and limit (unit)', () => {
  const check = (raw: Record<string, unknown>) => validateParams('x', pageParams, raw)
  it("defaults and Barong's bare keys", () => {
    expect(check({})).toEqual({ ok: true, value: { page: 1, limit: 100 } })
    expect(check({ page: '3', limit: '100' })).toEqual({ ok: true, value: { page: 3, limit: 100 } })
    expect(check({ page: 'x', limit: 'y' })).toEqual({ ok: false, errors: ['non_integer_page', 'non_integer_limit'] })
    expect(check({ page: '1.5', limit: [] })).toEqual({ ok: false, errors: ['non_integer_page', 'non_integer_limit'] })
    expect(check({ page: '0', limit: '0' })).toEqual({ ok: false, errors: ['non_positive_page', 'invalid_limit'] })
    expect(check({ page: '-1', limit: '101' })).toEqual({ ok: false, errors: ['non_positive_page', 'invalid_limit'] })
    expect(check({ page: 'a\u0000' })).toEqual({ ok: false, errors: ['non_integer_page'] })
  })
  it('windows and links', () => {
    expect(pageWindow({ page: 3, limit: 10 })).toEqual({ page: 3, limit: 10, offset: 20 })
    expect(pageWindow({ page: 999_999_999_999_999, limit: 100 }).offset).toBe(Number.MAX_SAFE_INTEGER)
    const u = 'http://h/x?page=2&limit=10&q=1'
    expect(pageLinks(u, { page: 2, limit: 10 }, 35)).toBe(
      [
        '<http://h/x?page=1&limit=10&q=1>; rel="first"',
        '<http://h/x?page=1&limit=10&q=1>; rel="prev"',
        '<http://h/x?page=3&limit=10&q=1>; rel="next"',
        '<http://h/x?page=4&limit=10&q=1>; rel="last"',
      ].join(', '),
    )
    expect(pageLinks(u, { page: 1, limit: 10 }, 5)).toBe('')
  })
})

const ITEMS = Array.from({ length: 23 }, (_, i) => ({ id: i + 1 }))
let queried = 0
function items(api: Api) {
  api.add({
    method: 'get',
    path: '/public/probe/items',
    tag: 'public',
    prefix: 'public.probe',
    summary: 'A paginated list',
    params: { ...pageParams },
    handler: async (c, p) =>
      c.json(
        await paginate(c, p, {
          count: async () => ITEMS.length,
          rows: async (w) => {
            queried++
            return ITEMS.slice(w.offset, w.offset + w.limit)
          },
        }),
      ),
  })
}

describe('over HTTP', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({}, { routes: items })
  })
  afterAll(async () => t?.close())
  const get = (q: string) => t.app.request(`/api/v2/barong/public/probe/items${q}`)
  const headers = (r: Response) => ({ total: r.headers.get('total'), page: r.headers.get('page'), perPage: r.headers.get('per-page') })

  it('Total, Page and Per-Page; a page past the end is [] with 200 and no row query', async () => {
    const first = await get('')
    expect(first.status).toBe(200)
    expect((await first.json()).length).toBe(23)
    expect(headers(first)).toEqual({ total: '23', page: '1', perPage: '100' })
    const second = await get('?page=2&limit=10')
    expect((await second.json()).map((r: { id: number }) => r.id)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    expect(headers(second)).toEqual({ total: '23', page: '2', perPage: '10' })
    expect(second.headers.get('link')).toContain('rel="next"')
    const before = queried
    const past = await get('?page=9&limit=10')
    expect(past.status).toBe(200)
    expect(await past.json()).toEqual([])
    expect(headers(past)).toEqual({ total: '23', page: '9', perPage: '10' })
    expect(queried).toBe(before)
  })

  it.each([
    ['?page=0', ['non_positive_page']],
    ['?page=-3', ['non_positive_page']],
    ['?page=x', ['non_integer_page']],
    ['?limit=101', ['invalid_limit']],
    ['?limit=0', ['invalid_limit']],
    ['?limit=ten', ['non_integer_limit']],
    ['?page[]=1&limit[a]=2', ['non_integer_page', 'non_integer_limit']],
    ['?page=%00', ['non_integer_page']],
  ])('%s → 422 %j', async (q, keys) => {
    const res = await get(q)
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({ errors: keys })
    expect(res.headers.get('total')).toBeNull()
  })
})
