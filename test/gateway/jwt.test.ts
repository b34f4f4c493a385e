import { createHash } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { SignJWT, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestApp } from '../helpers/app.ts'
import { Client, register, seededApp } from '../helpers/http.ts'
import { AUTH, apiKeyHeaders, createApiKey, setUser, userId } from '../helpers/gateway.ts'
import { apiKeys } from '../../src/storage/schema/index.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const ME = `${AUTH}/api/v2/barong/resource/users/me`
const bearer = (res: Response) => res.headers.get('authorization')!.replace(/^Bearer /, '')

describe('the minted JWT', () => {
  it("has Barong's claims and a kid, and verifies against the published JWKS", async () => {
    const referrer = await register(t)
    const { client, body } = await register(t, undefined, undefined, { refid: referrer.body.uid })
    const token = bearer(await client.get(ME))
    const jwks = createLocalJWKSet(await (await t.request('/.well-known/jwks.json')).json())
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { algorithms: ['RS256'], issuer: 'barong', audience: 'peatio', subject: 'session' })
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: t.deps.keys.kid })
    expect(Object.keys(payload).sort()).toEqual(['aud', 'email', 'exp', 'iat', 'iss', 'jti', 'level', 'referral_id', 'role', 'sid', 'state', 'sub', 'uid'].sort())
    expect(payload).toMatchObject({ uid: body.uid, email: body.email, role: 'member', level: 0, state: 'pending', sub: 'session', iss: 'barong', aud: ['peatio', 'barong'] })
    expect(typeof payload.referral_id).toBe('number')
    expect(payload.jti).toMatch(/^[0-9a-f]{20}$/)
    expect(payload.exp! - payload.iat!).toBe(3600)
  })

  it('is reused while more than half its life remains and the user is unchanged', async () => {
    const { client, body } = await register(t)
    const once = bearer(await client.get(ME))
    const first = bearer(await client.get(ME))
    expect(first).not.toBe(once) // held from the second signed for the session (src/authz/session-jwt.ts)
    t.clock.advance(20 * 60_000)
    expect(bearer(await client.get(ME))).toBe(first)
    await setUser(t, body.uid, { role: 'trader' })
    const changed = bearer(await client.get(ME))
    expect(changed).not.toBe(first)
    expect(decodeProtectedHeader(changed).kid).toBe(t.deps.keys.kid)
    t.clock.advance(25 * 60_000)
    expect((await client.get(ME)).status).toBe(200)
    t.clock.advance(25 * 60_000)
    const later = await client.get(ME)
    expect(later.status).toBe(200)
    expect(bearer(later)).not.toBe(changed)
  })

  it('the built-in API accepts a Bearer JWT we minted, with the same permission rules', async () => {
    const { client } = await register(t)
    const token = bearer(await client.get(ME))
    // Allowed by the gate: no such route yet, so the API answers 404 rather than 401.
    const allowed = await t.request('/api/v2/barong/resource/nothing-here', { headers: { Authorization: `Bearer ${token}` } })
    expect(allowed.status).toBe(404)
    const admin = await t.request('/api/v2/barong/admin/users', { headers: { Authorization: `Bearer ${token}` } })
    expect(admin.status).toBe(401)
    expect((await admin.json()).errors).toEqual(['authz.invalid_permission'])
    const forged = await t.request('/api/v2/barong/resource/nothing-here', { headers: { Authorization: `Bearer ${token.slice(0, -4)}AAAA` } })
    expect(forged.status).toBe(401)
    expect((await forged.json()).errors).toEqual(['jwt.decode_and_verify'])
  })
})

const sessionIdOf = (client: { cookie: string | undefined }) => client.cookie!.split('=')[1]!
const NOTHING = '/api/v2/barong/resource/nothing-here'
const withBearer = (token: string) => t.request(NOTHING, { headers: { Authorization: `Bearer ${token}` } })

describe('the JWT names what it was minted for, and dies with it', () => {
  it('carries a hash of the session (never the session id); each session of a user gets its own token', async () => {
    const first = await register(t)
    const token = bearer(await first.client.get(ME))
    const id = sessionIdOf(first.client)
    expect(decodeJwt(token).sid).toBe(createHash('sha256').update(id).digest('hex'))
    expect(token).not.toContain(id)
    // A second sign-in of the same user: another session, another token.
    const second = new Client(t)
    const login = await second.post('/api/v2/barong/identity/sessions', { email: first.email, password: first.password })
    expect(login.status).toBe(200)
    const other = bearer(await second.get(ME))
    expect(other).not.toBe(token)
    expect(decodeJwt(other).sid).not.toBe(decodeJwt(token).sid)
  })

  it('the built-in API refuses it once its session is logged out (another session of the user is unaffected)', async () => {
    const { client, email, password } = await register(t)
    const token = bearer(await client.get(ME))
    const other = new Client(t)
    await other.post('/api/v2/barong/identity/sessions', { email, password })
    const otherToken = bearer(await other.get(ME))
    expect((await withBearer(token)).status).toBe(404) // allowed by the gate; no such route
    const out = await client.delete('/api/v2/barong/identity/sessions')
    expect(out.status).toBe(200)
    const refused = await withBearer(token)
    expect(refused.status).toBe(401)
    expect((await refused.json()).errors).toEqual(['authz.invalid_session'])
    expect((await withBearer(otherToken)).status).toBe(404)
  })

  it('the built-in API refuses it once its session is idle past the timeout', async () => {
    const { client } = await register(t)
    const token = bearer(await client.get(ME))
    t.clock.advance(31 * 60_000)
    const refused = await withBearer(token)
    expect(refused.status).toBe(401)
    expect((await refused.json()).errors).toEqual(['authz.invalid_session'])
  })

  it("an API key's JWT names the key and is refused once the key is switched off", async () => {
    const { body } = await register(t)
    await setUser(t, body.uid, { otp: true })
    const key = await createApiKey(t, await userId(t, body.uid))
    const res = await t.request(ME, { headers: apiKeyHeaders(key.kid, key.secret, t.clock.now()) })
    const token = bearer(res)
    expect(decodeJwt(token)).toMatchObject({ api_kid: key.kid })
    expect(decodeJwt(token).sid).toBeUndefined()
    expect((await withBearer(token)).status).toBe(404)
    await t.deps.db.update(apiKeys).set({ state: 'inactive' }).where(eq(apiKeys.kid, key.kid))
    await t.deps.authzCache.load()
    const refused = await withBearer(token)
    expect(refused.status).toBe(401)
    expect((await refused.json()).errors).toEqual(['authz.apikey_not_active'])
  })

  it('a JWT signed with our key but without exp, or without a reference, is refused', async () => {
    const { client, body } = await register(t)
    const sid = decodeJwt(bearer(await client.get(ME))).sid as string
    const sign = (claims: Record<string, unknown>, exp: boolean) => {
      const iat = Math.floor(t.clock.now() / 1000)
      const jwt = new SignJWT({ uid: body.uid, email: body.email, role: 'member', level: 0, state: 'pending', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: t.deps.keys.kid })
        .setIssuedAt(iat)
        .setSubject('session')
        .setIssuer('barong')
        .setAudience(['peatio', 'barong'])
      return (exp ? jwt.setExpirationTime(iat + 600) : jwt).sign(t.deps.keys.privateKey)
    }
    expect((await withBearer(await sign({ sid }, true))).status).toBe(404) // the control: a well-formed one passes
    for (const token of [await sign({ sid }, false), await sign({}, true), await sign({ sid, api_kid: 'x' }, true)]) {
      const res = await withBearer(token)
      expect(res.status).toBe(401)
      expect((await res.json()).errors).toEqual(['jwt.decode_and_verify'])
    }
  })
})
