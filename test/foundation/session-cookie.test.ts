import { serialize } from 'hono/utils/cookie'
import { describe, expect, it } from 'vitest'
import { sessionCookieHeader } from '../../src/http/session-cookie.ts'

const env = (over: Partial<Parameters<typeof sessionCookieHeader>[0]> = {}) => ({
  BARONG_SESSION_NAME: '_barong_session',
  BARONG_COOKIE_SECURE: false,
  BARONG_DOMAIN: 'http://localhost:3000',
  BARONG_SESSION_ABSOLUTE_TIME: 86_400,
  ...over,
})

describe('the session cookie header', () => {
  const id = 'Zx9_-aaaaBBBBcccc0123456789'
  for (const [name, e] of [
    ['plain', env()],
    ['secure by setting', env({ BARONG_COOKIE_SECURE: true })],
    ['secure by an https domain', env({ BARONG_DOMAIN: 'https://exchange.example' })],
    ['another cookie name', env({ BARONG_SESSION_NAME: 'sid_ID' })],
  ] as const) {
    it(`is Hono's serialization, byte for byte (${name})`, () => {
      for (const maxAge of [0, 1, 1799.9, 86_400]) {
        const secure = e.BARONG_COOKIE_SECURE || e.BARONG_DOMAIN.startsWith('https://')
        const want = serialize(e.BARONG_SESSION_NAME, id, { path: '/', httpOnly: true, sameSite: 'Lax', secure, maxAge: Math.floor(maxAge) })
        expect(sessionCookieHeader(e, id, maxAge)).toBe(want)
      }
    })
  }

  it('never goes below Max-Age=0, and encodes an id outside the session format', () => {
    expect(sessionCookieHeader(env(), id, -5)).toBe(`_barong_session=${id}; Max-Age=0; Path=/; HttpOnly; SameSite=Lax`)
    expect(sessionCookieHeader(env(), 'a b;c', 10)).toBe('_barong_session=a%20b%3Bc; Max-Age=10; Path=/; HttpOnly; SameSite=Lax')
  })
})
