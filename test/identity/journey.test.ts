import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestApp } from '../helpers/app.ts'
import { Client, ID, STRONG, eventsFor, register, seededApp, uniqueEmail } from '../helpers/http.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const confirmationToken = async (email: string) => (await eventsFor(t, 'user.email.confirmation.token', email))[0]!.record.token as string

describe('register → confirm → login → logout', () => {
  it('walks the whole journey', async () => {
    const email = uniqueEmail('journey')
    const { client, body: signup } = await register(t, email)
    const signupCookie = client.cookie

    // The pending user is signed in already and passes the gateway.
    const me = await client.get('/api/v2/auth/api/v2/barong/resource/users/me')
    expect(me.status).toBe(200)
    expect(me.headers.get('authorization')).toMatch(/^Bearer /)

    const token = await confirmationToken(email)
    const confirm = await client.post(`${ID}/users/email/confirm_code`, { token })
    expect(confirm.status).toBe(201)
    const confirmed = await confirm.json()
    expect(confirmed).toMatchObject({ email, uid: signup.uid, state: 'active', level: 1 })
    expect(confirmed.labels).toMatchObject([{ key: 'email', value: 'verified', scope: 'private' }])
    expect(confirmed.csrf_token).toMatch(/^[0-9a-f]{64}$/)
    expect(client.cookie).not.toBe(signupCookie)
    // The gateway sees the new state at once (cached snapshots are dropped on change).
    const jwt = (await client.get('/api/v2/auth/api/v2/barong/resource/users/me')).headers.get('authorization')!
    expect(JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())).toMatchObject({ state: 'active', level: 1 })
    const [confirmedEvent] = await eventsFor(t, 'user.email.confirmed', email)
    expect(confirmedEvent).toMatchObject({ record: { user: { email, state: 'active' }, domain: 'openware.com' } })

    const reuse = await new Client(t).post(`${ID}/users/email/confirm_code`, { token })
    expect(reuse.status).toBe(422)
    expect(await reuse.json()).toEqual({ errors: ['identity.user.active_or_doesnt_exist'] })

    const browser = new Client(t)
    const login = await browser.post(`${ID}/sessions`, { email, password: STRONG })
    expect(login.status).toBe(200)
    const user = await login.json()
    expect(user).toMatchObject({ email, state: 'active', level: 1 })
    browser.csrf = user.csrf_token
    const [sessionEvent] = await eventsFor(t, 'session.create', email)
    expect(sessionEvent).toMatchObject({ record: { user: { email }, user_ip: '10.1.2.3', user_agent: browser.ua } })

    const logout = await browser.delete(`${ID}/sessions`)
    expect(logout.status).toBe(200)
    expect(logout.headers.get('set-cookie')).toMatch(/_barong_session=; Max-Age=0/)
    expect(browser.cookie).toBeUndefined()
    const again = await browser.delete(`${ID}/sessions`)
    expect(again.status).toBe(404)
    expect(await again.json()).toEqual({ errors: ['identity.session.not_found'] })
  })

  it('a confirmation token works once, even before the user is active', async () => {
    const email = uniqueEmail('once')
    await register(t, email)
    await new Client(t).post(`${ID}/users/email/generate_code`, { email })
    const [newest, older] = await eventsFor(t, 'user.email.confirmation.token', email)
    expect((await new Client(t).post(`${ID}/users/email/confirm_code`, { token: newest!.record.token })).status).toBe(201)
    const second = await new Client(t).post(`${ID}/users/email/confirm_code`, { token: older!.record.token })
    expect(second.status).toBe(422)
    expect(await second.json()).toEqual({ errors: ['identity.user.active_or_doesnt_exist'] })
  })

  it.each([
    ['garbage', 'jwt.decode_and_verify.segments'],
    ['a.b.c', 'jwt.decode_and_verify.segments'],
  ])('a malformed token %s → 422 %s', async (token, key) => {
    const res = await new Client(t).post(`${ID}/users/email/confirm_code`, { token })
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({ errors: [key] })
  })

  it('an expired token, and a reset token sent to confirmation, are refused', async () => {
    const email = uniqueEmail('expired')
    await register(t, email)
    const token = await confirmationToken(email)
    await new Client(t).post(`${ID}/users/password/generate_code`, { email })
    const [reset] = await eventsFor(t, 'user.password.reset.token', email)
    const wrongKind = await new Client(t).post(`${ID}/users/email/confirm_code`, { token: reset!.record.token })
    expect(await wrongKind.json()).toEqual({ errors: ['jwt.decode_and_verify.reset'] })
    t.clock.advance(3700_000)
    const res = await new Client(t).post(`${ID}/users/email/confirm_code`, { token })
    t.clock.advance(-3700_000)
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({ errors: ['jwt.decode_and_verify.expired'] })
  })

  it('claim mismatches get ruby-jwt\'s keys: iss and aud name the received value, an iat in the future is iat', async () => {
    const { body } = await register(t, uniqueEmail('claims'))
    const nowSec = Math.floor(t.clock.now() / 1000)
    const forge = (claims: Record<string, unknown>) => {
      const jwt = new SignJWT({ email: body.email, uid: body.uid, sub: 'confirmation', iss: 'barong', aud: ['peatio', 'barong'], jti: randomBytes(10).toString('hex'), iat: nowSec, exp: nowSec + 600, ...claims })
      return jwt.setProtectedHeader({ alg: 'RS256', typ: 'confirmation+jwt', kid: t.deps.keys.kid }).sign(t.deps.keys.privateKey)
    }
    for (const [claims, key] of [
      [{ iss: 'evil' }, 'jwt.decode_and_verify.evil'],
      [{ iss: undefined }, 'jwt.decode_and_verify.<none>'],
      [{ aud: 'shop' }, 'jwt.decode_and_verify.shop'],
      [{ aud: undefined }, 'jwt.decode_and_verify.<none>'],
      [{ iat: nowSec + 600 }, 'jwt.decode_and_verify.iat'],
      [{ sub: undefined }, 'jwt.decode_and_verify.<none>'],
    ] as const) {
      const res = await new Client(t).post(`${ID}/users/email/confirm_code`, { token: await forge(claims) })
      expect(res.status, JSON.stringify(claims)).toBe(422)
      expect(await res.json(), JSON.stringify(claims)).toEqual({ errors: [key] })
    }
  })

  it('generate_code answers 201 for anyone, and sends a token only to pending users', async () => {
    const unknown = uniqueEmail('ghost')
    const res = await new Client(t).post(`${ID}/users/email/generate_code`, { email: unknown })
    expect(res.status).toBe(201)
    expect(await eventsFor(t, 'user.email.confirmation.token', unknown)).toHaveLength(0)
    const missing = await new Client(t).post(`${ID}/users/email/generate_code`, {})
    expect(missing.status).toBe(422)
    expect(await missing.json()).toEqual({ errors: ['identity.user.missing_email', 'identity.user.empty_email'] })
  })
})
