import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { register, seedDefaults } from '../helpers/http.ts'
import { AUTH, apiKeyHeaders, createApiKey, setUser, userId } from '../helpers/gateway.ts'

let t: TestApp
let uid: string
let key: { kid: string; secret: string }
const ME = `${AUTH}/api/v2/barong/resource/users/me`

beforeAll(async () => {
  t = await createTestApp()
  await seedDefaults(t)
  const { body } = await register(t)
  uid = body.uid
  await setUser(t, uid, { otp: true })
  key = await createApiKey(t, await userId(t, uid))
})
afterAll(async () => t?.close())

const call = (headers: Record<string, string>, path = ME, method = 'GET') => t.request(path, { method, headers: { 'User-Agent': 'bot/1.0', ...headers } })
const errors = async (res: Response) => (await res.json()).errors

describe('API-key requests (spec §1.6, in order)', () => {
  it('a signed request is allowed with the owner JWT; no CSRF token needed even for POST', async () => {
    const res = await call(apiKeyHeaders(key.kid, key.secret, t.clock.now()), ME, 'POST')
    expect(res.status).toBe(200)
    expect(res.headers.get('authorization')).toMatch(/^Bearer /)
  })

  it.each([
    [{ 'X-Auth-Apikey': 'x' }],
    [{ 'X-Auth-Apikey': 'x', 'X-Auth-Nonce': '1' }],
    [{ 'X-Auth-Apikey': '', 'X-Auth-Nonce': '1', 'X-Auth-Signature': 'a' }],
  ])('incomplete headers %j → 422 authz.invalid_api_key_headers', async (h) => {
    const res = await call(h)
    expect(res.status).toBe(422)
    expect(await errors(res)).toEqual(['authz.invalid_api_key_headers'])
  })

  it('unknown kid → 401 authz.unexistent_apikey', async () => {
    expect(await errors(await call(apiKeyHeaders('0123456789abcdef', key.secret, t.clock.now())))).toEqual(['authz.unexistent_apikey'])
  })

  it.each([['abc'], ['0'], ['-5']])('nonce %s → authz.nonce_not_valid_timestamp', async (nonce) => {
    expect(await errors(await call(apiKeyHeaders(key.kid, key.secret, nonce)))).toEqual(['authz.nonce_not_valid_timestamp'])
  })

  it('skew both ways: inside the window ok, at 5 s expired', async () => {
    const now = t.clock.now()
    expect((await call(apiKeyHeaders(key.kid, key.secret, now - 4999))).status).toBe(200)
    expect((await call(apiKeyHeaders(key.kid, key.secret, now + 4999))).status).toBe(200)
    expect(await errors(await call(apiKeyHeaders(key.kid, key.secret, now - 5000)))).toEqual(['authz.nonce_expired'])
    expect(await errors(await call(apiKeyHeaders(key.kid, key.secret, now + 10_000)))).toEqual(['authz.nonce_expired'])
  })

  it('bad signatures: wrong secret, bad hex, wrong length → authz.invalid_signature', async () => {
    const nonce = String(t.clock.now() - 1)
    const good = apiKeyHeaders(key.kid, key.secret, nonce)
    const upper = good['X-Auth-Signature']!.toUpperCase() // docs/barong-behaviour-notes.md#s3-2: the lower-case hex text, exactly
    for (const sig of [apiKeyHeaders(key.kid, 'f'.repeat(32), nonce)['X-Auth-Signature']!, 'zz'.repeat(32), good['X-Auth-Signature']!.slice(2), `${good['X-Auth-Signature']}00`, upper]) {
      const res = await call({ ...good, 'X-Auth-Signature': sig })
      expect(res.status).toBe(401)
      expect(await errors(res)).toEqual(['authz.invalid_signature'])
    }
  })

  it('a replayed nonce is refused (single use within the window)', async () => {
    const h = apiKeyHeaders(key.kid, key.secret, t.clock.now() - 2)
    expect((await call(h)).status).toBe(200)
    const replay = await call(h, `${AUTH}/api/v2/peatio/account/balances`)
    expect(replay.status).toBe(401)
    expect(await errors(replay)).toEqual(['authz.nonce_reused'])
  })

  it('API-key headers win over a session cookie', async () => {
    const { client } = await register(t)
    const res = await client.get(ME, { 'X-Auth-Apikey': key.kid, 'X-Auth-Nonce': '1', 'X-Auth-Signature': '00' })
    expect(await errors(res)).toEqual(['authz.nonce_expired'])
  })

  it('inactive key, inactive owner, owner without 2FA, missing permission', async () => {
    const owner = await register(t)
    const id = await userId(t, owner.body.uid)
    await setUser(t, owner.body.uid, { otp: true })
    const inactive = await createApiKey(t, id, 'inactive')
    expect(await errors(await call(apiKeyHeaders(inactive.kid, inactive.secret, t.clock.now())))).toEqual(['authz.apikey_not_active'])

    const k = await createApiKey(t, id)
    await setUser(t, owner.body.uid, { state: 'banned' })
    expect(await errors(await call(apiKeyHeaders(k.kid, k.secret, t.clock.now())))).toEqual(['authz.invalid_session'])
    await setUser(t, owner.body.uid, { state: 'active', otp: false })
    expect(await errors(await call(apiKeyHeaders(k.kid, k.secret, t.clock.now() - 1)))).toEqual(['authz.disabled_2fa'])
    await setUser(t, owner.body.uid, { otp: true })
    const denied = await call(apiKeyHeaders(k.kid, k.secret, t.clock.now() - 2), `${AUTH}/api/v2/barong/admin/users`)
    expect(denied.status).toBe(401)
    expect(await errors(denied)).toEqual(['authz.invalid_permission'])
    expect((await call(apiKeyHeaders(k.kid, k.secret, t.clock.now() - 3))).status).toBe(200)
  })
})
