import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Api } from '../../src/http/api.ts'
import { nestParams, NESTING_LIMITS } from '../../src/http/nested-params.ts'
import { formPairs } from '../../src/http/read-params.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { geetestAnswer, startGeetestFake } from '../helpers/geetest-fake.ts'
import { ID, STRONG, register, seedDefaults, uniqueEmail } from '../helpers/http.ts'

const parse = (qs: string) => JSON.parse(JSON.stringify(nestParams(formPairs(qs))))
const refused = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return { status: (e as { status?: number }).status, keys: (e as { keys?: string[] }).keys }
  }
  return null
}

describe("Rack's nesting (query, form and multipart names)", () => {
  it('parses brackets into hashes and arrays as Rack does', () => {
    expect(parse('a=1&a=2')).toEqual({ a: '2' })
    expect(parse('a[]=1&a[]=2')).toEqual({ a: ['1', '2'] })
    expect(parse('captcha_response[geetest_challenge]=c&captcha_response[geetest_seccode]=s')).toEqual({
      captcha_response: { geetest_challenge: 'c', geetest_seccode: 's' },
    })
    expect(parse('a[b][c]=1&a[b][d]=2')).toEqual({ a: { b: { c: '1', d: '2' } } })
    expect(parse('a[][x]=1&a[][y]=2&a[][x]=3')).toEqual({ a: [{ x: '1', y: '2' }, { x: '3' }] })
    expect(parse('a[b][]=1&a[b][]=2')).toEqual({ a: { b: ['1', '2'] } })
    expect(parse('x&y=&z=a+b%20c')).toEqual({ x: '', y: '', z: 'a b c' })
    expect(parse('a[=1')).toEqual({ 'a[': '1' })
    expect(parse('[]=1&=2')).toEqual({ '[]': '1' })
  })

  it('never touches prototypes', () => {
    expect(parse('__proto__[admin]=1&a[__proto__][x]=1&constructor[prototype][y]=1')).toEqual({ a: {} })
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
  })

  it('refuses a name used both as a hash and an array, too deep a name, too many keys (400)', () => {
    const invalid = { status: 400, keys: ['server.invalid_params'] }
    expect(refused(() => parse('a[]=1&a[b]=2'))).toEqual(invalid)
    expect(refused(() => parse('a[b]=1&a[]=2'))).toEqual(invalid)
    expect(refused(() => parse(`a${'[x]'.repeat(NESTING_LIMITS.depth)}=1`))).toEqual(invalid)
    expect(parse(`a${'[x]'.repeat(NESTING_LIMITS.depth - 2)}=1`)).toBeTruthy()
    expect(refused(() => parse(Array.from({ length: NESTING_LIMITS.keys + 1 }, (_, i) => `k${i}=1`).join('&')))).toEqual(invalid)
  })

  it('refuses malformed escapes and bytes that are not UTF-8 (400)', () => {
    const bad = { status: 400, keys: ['server.invalid_encoding'] }
    expect(refused(() => formPairs('a=%FF'))).toEqual(bad)
    expect(refused(() => formPairs('a=%zz'))).toEqual(bad)
    expect(refused(() => formPairs('a%E2%82=1'))).toEqual(bad)
    expect(formPairs('a=%E2%82%AC')).toEqual([['a', '€']])
  })
})

/** Echoes what the parameter layer handed over, as a resource route would receive it. */
function echo(api: Api) {
  api.add({
    method: 'post',
    path: '/public/probe/echo',
    tag: 'public',
    prefix: 'public.probe',
    summary: 'Echo',
    params: { upload: { type: 'files' }, meta: { type: 'any' }, a: { type: 'any' } },
    handler: (c, p) => c.json({ upload: p.upload?.map((f) => [f.name, f.size]), meta: p.meta, a: p.a }, 201),
  })
}

describe('over HTTP', () => {
  let t: TestApp
  let geetest: Awaited<ReturnType<typeof startGeetestFake>>
  beforeAll(async () => {
    geetest = await startGeetestFake()
    t = await createTestApp({ BARONG_CAPTCHA: 'geetest', BARONG_GEETEST_ID: 'gid', BARONG_GEETEST_KEY: 'gkey', BARONG_GEETEST_API_URL: geetest.url }, { routes: echo })
    await seedDefaults(t)
  })
  afterAll(async () => {
    await t?.close()
    await geetest?.close()
  })

  it('a GeeTest sign-in through a form body', async () => {
    const email = uniqueEmail('geetest-form')
    expect((await register(t, email, STRONG, { captcha_response: geetestAnswer('abc') })).res.status).toBe(201)
    const form = (seccode: string) => {
      const body = new URLSearchParams({ email, password: STRONG })
      for (const [k, v] of Object.entries(geetestAnswer('xyz', seccode))) body.append(`captcha_response[${k}]`, v)
      return t.app.request(`${ID}/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: body.toString() })
    }
    const wrong = await form('bad')
    expect(wrong.status).toBe(422)
    expect(await wrong.json()).toEqual({ errors: ['identity.captcha.verification_failed'] })
    const ok = await form('good')
    expect(ok.status).toBe(200)
    expect((await ok.json()).email).toBe(email)
  })

  it('a multipart body with upload[] arrays and nested fields; query arrays', async () => {
    const body = new FormData()
    body.append('upload[]', new File(['front'], 'front.png', { type: 'image/png' }))
    body.append('upload[]', new File(['back side'], 'back.png', { type: 'image/png' }))
    body.append('meta[side]', 'both')
    body.append('meta[tags][]', 'x')
    body.append('meta[tags][]', 'y')
    const res = await t.app.request('/api/v2/barong/public/probe/echo?a[]=1&a[]=2', { method: 'POST', body })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({
      upload: [
        ['front.png', 5],
        ['back.png', 9],
      ],
      meta: { side: 'both', tags: ['x', 'y'] },
      a: ['1', '2'],
    })
  })
})
