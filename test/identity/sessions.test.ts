import bcrypt from 'bcryptjs'
import { and, asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { totpCodeAt, generateTotpSecret } from '../../src/crypto/totp.ts'
import { activities, users } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { Client, ID, STRONG, register, seededApp, uniqueEmail } from '../helpers/http.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp({ BARONG_LOGIN_MAX_ATTEMPTS: '5', BARONG_LOGIN_IP_MAX_ATTEMPTS: '40' })
})
afterAll(async () => t?.close())

const login = (c: Client, body: Record<string, unknown>) => c.post(`${ID}/sessions`, body)
const userRow = async (email: string) => (await t.deps.db.select().from(users).where(eq(users.email, email)))[0]!
const setState = (email: string, state: string) => t.deps.db.update(users).set({ state }).where(eq(users.email, email))
const loginActivities = async (email: string) => {
  const u = await userRow(email)
  return t.deps.db.select().from(activities).where(and(eq(activities.userId, u.id), eq(activities.topic, 'session'))).orderBy(asc(activities.id))
}

describe('POST /identity/sessions', () => {
  it('missing params → 422 with both keys', async () => {
    const res = await login(new Client(t, '10.9.0.1'), {})
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({ errors: ['identity.session.missing_email', 'identity.session.missing_password'] })
  })

  it('unknown email and wrong password answer alike; only the known account gets an activity', async () => {
    const { email } = await register(t)
    const unknown = await login(new Client(t, '10.9.0.2'), { email: uniqueEmail('nobody'), password: STRONG })
    const wrong = await login(new Client(t, '10.9.0.2'), { email, password: 'Wrong-Pass1' })
    for (const res of [unknown, wrong]) {
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ errors: ['identity.session.invalid_params'] })
    }
    expect(await loginActivities(email)).toMatchObject([{ action: 'login', result: 'failed', data: '{"reason":"Invalid Email or Password"}' }])
  })

  it('the account state is revealed only after a correct password', async () => {
    for (const [state, key] of [
      ['banned', 'identity.session.banned'],
      ['deleted', 'identity.session.deleted'],
      ['locked', 'identity.session.not_active'],
    ]) {
      const { email } = await register(t)
      await setState(email, state!)
      const wrong = await login(new Client(t, '10.9.0.3'), { email, password: 'Wrong-Pass1' })
      expect(await wrong.json()).toEqual({ errors: ['identity.session.invalid_params'] })
      const right = await login(new Client(t, '10.9.0.3'), { email, password: STRONG })
      expect(right.status).toBe(401)
      expect(await right.json()).toEqual({ errors: [key] })
      expect(right.headers.get('set-cookie')).toBeNull()
    }
  })

  it('a pending user may sign in; the session id changes at login (no fixation)', async () => {
    const { email, client } = await register(t)
    const before = client.cookie
    const res = await login(client, { email: email.toUpperCase(), password: STRONG })
    expect(res.status).toBe(200)
    expect((await res.json()).state).toBe('pending')
    expect(client.cookie).toBeDefined()
    expect(client.cookie).not.toBe(before)
    // The planted/previous session is gone.
    const old = new Client(t, client.ip)
    old.cookie = before
    expect((await old.get('/api/v2/auth/api/v2/barong/resource/users/me')).status).toBe(401)
  })

  it('failed attempts are limited per account with the same answer for unknown accounts (429)', async () => {
    const { email } = await register(t)
    const c = new Client(t, '10.9.1.1')
    for (let i = 0; i < 5; i++) expect((await login(c, { email, password: 'Wrong-Pass1' })).status).toBe(401)
    const blocked = await login(c, { email, password: STRONG })
    expect(blocked.status).toBe(429)
    expect(await blocked.json()).toEqual({ errors: ['identity.session.too_many_attempts'] })
    const ghost = uniqueEmail('ghost')
    for (let i = 0; i < 5; i++) await login(new Client(t, '10.9.1.2'), { email: ghost, password: 'x' })
    expect((await login(new Client(t, '10.9.1.3'), { email: ghost, password: 'x' })).status).toBe(429)
  })

  it('parallel guesses cannot exceed the limit', async () => {
    const { email } = await register(t)
    // Wrong guesses keep their attempt (a success gives it back, so correct ones would depend on timing): however
    // the twelve interleave, at most five reach the password check.
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => login(new Client(t, `10.9.2.${i}`), { email, password: 'Wrong-Pass1' })))
    expect(results.filter((r) => r.status === 401).length).toBeLessThanOrEqual(5)
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(7)
    expect(results.every((r) => r.status === 401 || r.status === 429)).toBe(true)
  })

  it('failed attempts are limited per IP across accounts', async () => {
    const c = new Client(t, '10.9.3.1')
    let last: Response | undefined
    for (let i = 0; i < 41; i++) last = await login(c, { email: uniqueEmail('spray'), password: 'x' })
    expect(last!.status).toBe(429)
  })

  it('successful sign-ins do not use up the IP\'s budget; failures still do', async () => {
    const { email } = await register(t)
    const office = new Client(t, '10.9.6.1')
    // More than the IP's 40 attempts, every one a success: nobody behind this NAT is locked out.
    for (let i = 0; i < 45; i++) expect((await login(office, { email, password: STRONG })).status).toBe(200)
    let last: Response | undefined
    for (let i = 0; i < 41; i++) last = await login(office, { email: uniqueEmail('nat'), password: 'x' })
    expect(last!.status).toBe(429)
    expect(await last!.json()).toEqual({ errors: ['identity.session.too_many_attempts'] })
  })

  it('a captcha_response that is neither a string nor an object → 422 invalid_captcha_format, whatever the captcha mode', async () => {
    const { email } = await register(t)
    for (const captcha of [[1], 5, true]) {
      const res = await login(new Client(t, '10.9.7.1'), { email, password: STRONG, captcha_response: captcha })
      expect(res.status).toBe(422)
      expect(await res.json()).toEqual({ errors: ['identity.session.invalid_captcha_format'] })
      expect(res.headers.get('set-cookie')).toBeNull()
    }
  })

  it('a password of another type is a wrong password: 401 invalid_params, recorded as a failed login', async () => {
    const { email } = await register(t)
    for (const password of [[STRONG], { a: STRONG }, 12345678]) {
      const res = await login(new Client(t, '10.9.7.2'), { email, password })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ errors: ['identity.session.invalid_params'] })
    }
    const ghost = await login(new Client(t, '10.9.7.2'), { email: uniqueEmail('ghost'), password: [STRONG] })
    expect(ghost.status).toBe(401)
    expect(await ghost.json()).toEqual({ errors: ['identity.session.invalid_params'] })
    expect((await loginActivities(email)).map((a) => `${a.action}:${a.result}`)).toEqual(['login:failed', 'login:failed', 'login:failed'])
  })

  it('2FA: a code for the next step is accepted (clock drift), and then the current step\'s code is refused', async () => {
    const { email } = await register(t)
    const secret = generateTotpSecret()
    await t.deps.db.update(users).set({ otp: true, otpSecretEncrypted: t.deps.secrets.seal(secret) }).where(eq(users.email, email))
    const next = totpCodeAt(secret, t.clock.now() + 30_000)
    const ok = await login(new Client(t, '10.9.4.3'), { email, password: STRONG, otp_code: next })
    expect(ok.status).toBe(200)
    const current = totpCodeAt(secret, t.clock.now())
    if (current !== next) {
      const older = await login(new Client(t, '10.9.4.3'), { email, password: STRONG, otp_code: current })
      expect(older.status).toBe(403)
      expect(await older.json()).toEqual({ errors: ['identity.session.invalid_otp'] })
    }
  })

  it('2FA: missing code 401, wrong code 403, right code 200, the same code twice 403', async () => {
    const { email } = await register(t)
    const secret = generateTotpSecret()
    await t.deps.db.update(users).set({ otp: true, otpSecretEncrypted: t.deps.secrets.seal(secret) }).where(eq(users.email, email))
    const c = new Client(t, '10.9.4.1')
    const missing = await login(c, { email, password: STRONG })
    expect(missing.status).toBe(401)
    expect(await missing.json()).toEqual({ errors: ['identity.session.missing_otp'] })
    const wrong = await login(c, { email, password: STRONG, otp_code: '000000' === totpCodeAt(secret, t.clock.now()) ? '111111' : '000000' })
    expect(wrong.status).toBe(403)
    expect(await wrong.json()).toEqual({ errors: ['identity.session.invalid_otp'] })
    const code = totpCodeAt(secret, t.clock.now())
    const ok = await login(c, { email, password: STRONG, otp_code: code })
    expect(ok.status).toBe(200)
    const replay = await login(new Client(t, '10.9.4.2'), { email, password: STRONG, otp_code: code })
    expect(replay.status).toBe(403)
    const acts = (await loginActivities(email)).map((a) => `${a.action}:${a.result}`)
    expect(acts).toEqual(['login::2fa:failed', 'login::2fa:succeed', 'login::2fa:failed'])
  })

  it('a bcrypt hash imported from Barong signs in and is upgraded to Argon2id', async () => {
    const { email } = await register(t)
    await t.deps.db.update(users).set({ passwordDigest: bcrypt.hashSync('Legacy-Pass42', 4) }).where(eq(users.email, email))
    const res = await login(new Client(t, '10.9.5.1'), { email, password: 'Legacy-Pass42' })
    expect(res.status).toBe(200)
    expect((await userRow(email)).passwordDigest).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect((await login(new Client(t, '10.9.5.1'), { email, password: 'Legacy-Pass42' })).status).toBe(200)
  })
})

describe('DELETE /identity/sessions', () => {
  it('is CSRF-checked and needs a session', async () => {
    const { client } = await register(t)
    const csrf = client.csrf!
    client.csrf = undefined
    const missing = await client.delete(`${ID}/sessions`, undefined, { Origin: 'https://evil.example' })
    expect(missing.status).toBe(401)
    expect(await missing.json()).toEqual({ errors: ['authz.missing_csrf_token'] })
    const wrong = await client.delete(`${ID}/sessions`, undefined, { 'X-CSRF-Token': 'f'.repeat(64) })
    expect(await wrong.json()).toEqual({ errors: ['authz.csrf_token_mismatch'] })
    const ok = await client.delete(`${ID}/sessions`, undefined, { 'X-CSRF-Token': csrf })
    expect(ok.status).toBe(200)
    expect((await new Client(t).delete(`${ID}/sessions`)).status).toBe(404)
  })
})
