import { createHmac } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiKeys, eventOutbox } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { AUTH } from '../helpers/gateway.ts'
import { register, seededApp, type Client } from '../helpers/http.ts'
import { RES, enableTwoFactor, expectRefusal, type Authenticator } from '../helpers/two-factor.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const KEYS = `${RES}/api_keys`
const DIGEST = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const

/** A request signed as a trading bot signs it, sent through the authorization endpoint. */
function signed(kid: string, secret: string, algorithm: keyof typeof DIGEST = 'HS256', path = `${AUTH}${KEYS}`) {
  const nonce = String(t.clock.now() - Math.floor(Math.random() * 1000))
  const signature = createHmac(DIGEST[algorithm], secret).update(nonce + kid).digest('hex')
  return t.request(path, { headers: { 'User-Agent': 'bot/1.0', 'X-Auth-Apikey': kid, 'X-Auth-Nonce': nonce, 'X-Auth-Signature': signature } })
}

async function withTwoFactor(): Promise<{ client: Client; auth: Authenticator; uid: string }> {
  const { client, body } = await register(t)
  return { client, auth: await enableTwoFactor(t, client), uid: body.uid }
}

async function create(client: Client, auth: Authenticator, body: Record<string, unknown> = {}) {
  const res = await client.post(KEYS, { algorithm: 'HS256', totp_code: auth.next(), ...body })
  expect(res.status, await res.clone().text()).toBe(201)
  return res.json()
}

describeGateCases('/resource/api_keys', () => t, { method: 'GET', path: KEYS })
describeGateCases('/resource/api_keys', () => t, { method: 'POST', path: KEYS, body: { algorithm: 'HS256', totp_code: '123456' }, control: false })
describeGateCases('/resource/api_keys/:kid', () => t, { method: 'PATCH', path: `${KEYS}/0123456789abcdef`, body: { state: 'inactive', totp_code: '123456' }, control: false })
describeGateCases('/resource/api_keys/:kid', () => t, { method: 'DELETE', path: `${KEYS}/0123456789abcdef`, body: { totp_code: '123456' }, control: false })

describe('POST /resource/api_keys', () => {
  it('creates a key whose secret shows once (2.5.21’s Vault shape), sealed at rest, accepted by the gateway at once', async () => {
    const { client, auth } = await withTwoFactor()
    const key = await create(client, auth, { scope: 'trade, read', kid: 'ffffffffffffffff' })
    expect(Object.keys(key)).toEqual(['kid', 'algorithm', 'scope', 'state', 'secret', 'created_at', 'updated_at'])
    expect(key).toMatchObject({ algorithm: 'HS256', scope: ['trade', 'read'], state: 'active' })
    expect(key.kid).toMatch(/^[0-9a-f]{16}$/)
    expect(key.kid).not.toBe('ffffffffffffffff')
    expect(key.secret).toEqual({ auth: null, data: { value: expect.stringMatching(/^[0-9a-f]{32}$/) }, lease_duration: 2764800, lease_id: '', renewable: false, warnings: null, wrap_info: null })
    const secret = key.secret.data.value as string
    const [row] = await t.deps.db.select().from(apiKeys).where(eq(apiKeys.kid, key.kid))
    expect(row!.secretEncrypted).not.toContain(secret)

    const res = await signed(key.kid, secret)
    expect(res.status).toBe(200)
    expect(res.headers.get('authorization')).toMatch(/^Bearer /)
    // Neither a list nor an update shows it again, and no event carries it.
    expect(await (await client.get(KEYS)).text()).not.toContain(secret)
    expect(await (await client.request('PATCH', `${KEYS}/${key.kid}`, { scope: 'x', totp_code: auth.next() })).text()).not.toContain(secret)
    expect(JSON.stringify(await t.deps.db.select().from(eventOutbox))).not.toContain(secret)
  })

  it('BARONG_API_KEY_SECRET_FORMAT=plain: the secret is the string itself (what baseapp 2.6 reads), and it signs', async () => {
    const plain = await seededApp({ BARONG_API_KEY_SECRET_FORMAT: 'plain' })
    try {
      const { client } = await register(plain)
      const auth = await enableTwoFactor(plain, client)
      const res = await client.post(KEYS, { algorithm: 'HS256', totp_code: auth.next() })
      expect(res.status).toBe(201)
      const key = await res.json()
      expect(Object.keys(key)).toEqual(['kid', 'algorithm', 'scope', 'state', 'secret', 'created_at', 'updated_at'])
      expect(key.secret).toMatch(/^[0-9a-f]{32}$/)
      const nonce = String(plain.clock.now())
      const signature = createHmac('sha256', key.secret).update(nonce + key.kid).digest('hex')
      const allowed = await plain.request(`${AUTH}${KEYS}`, { headers: { 'X-Auth-Apikey': key.kid, 'X-Auth-Nonce': nonce, 'X-Auth-Signature': signature } })
      expect(allowed.status).toBe(200)
    } finally {
      await plain.close()
    }
  })

  it.each(['HS384', 'HS512'] as const)('%s: the key signs with its own digest and the gateway accepts it', async (algorithm) => {
    const { client, auth } = await withTwoFactor()
    const key = await create(client, auth, { algorithm })
    expect(key.algorithm).toBe(algorithm)
    expect((await signed(key.kid, key.secret.data.value, algorithm)).status).toBe(200)
    expect((await signed(key.kid, key.secret.data.value, 'HS256')).status).toBe(401)
  })

  it('parameter keys first: missing totp_code, blank totp_code, missing algorithm; nothing created', async () => {
    const { client } = await withTwoFactor()
    await expectRefusal(t, () => client.post(KEYS, { algorithm: 'HS256' }), 422, ['resource.api_key.missing_totp', 'resource.apikey.empty_totp_code'])
    await expectRefusal(t, () => client.post(KEYS, { algorithm: 'HS256', totp_code: '' }), 422, ['resource.apikey.empty_totp_code'])
    await expectRefusal(t, () => client.post(KEYS, { totp_code: '123456' }), 422, ['resource.apikey.missing_algorithm', 'resource.apikey.empty_algorithm'])
  })

  it('2FA off → 400 resource.api_key.2fa_disabled', async () => {
    const { client } = await register(t)
    await expectRefusal(t, () => client.post(KEYS, { algorithm: 'HS256', totp_code: '123456' }), 400, ['resource.api_key.2fa_disabled'])
  })

  it('a wrong or replayed code → 422 resource.api_key.invalid_totp, nothing created', async () => {
    const { client, auth } = await withTwoFactor()
    await expectRefusal(t, () => client.post(KEYS, { algorithm: 'HS256', totp_code: auth.wrong() }), 422, ['resource.api_key.invalid_totp'])
    const code = auth.next()
    expect((await client.post(KEYS, { algorithm: 'HS256', totp_code: code })).status).toBe(201)
    await expectRefusal(t, () => client.post(KEYS, { algorithm: 'HS256', totp_code: code }), 422, ['resource.api_key.invalid_totp'])
  })

  it('an unknown algorithm → Barong’s model keys, and the code stays unspent', async () => {
    const { client, auth } = await withTwoFactor()
    const code = auth.next()
    await expectRefusal(t, () => client.post(KEYS, { algorithm: 'RS256', totp_code: code }), 422, ['kid.blank', 'algorithm.inclusion'])
    await expectRefusal(t, () => client.post(KEYS, { algorithm: 'HS1', totp_code: code }), 422, ['algorithm.inclusion'])
    expect((await client.post(KEYS, { algorithm: 'HS256', totp_code: code })).status).toBe(201)
  })
})

describe('GET /resource/api_keys', () => {
  it('lists the caller’s keys without secrets, paginated, ordered by a listed column only', async () => {
    const { client, auth } = await withTwoFactor()
    const a = await create(client, auth, { scope: 'b' })
    const b = await create(client, auth, { scope: 'a' })
    const other = await withTwoFactor()
    await create(other.client, other.auth)

    const all = await client.get(KEYS)
    expect(all.status).toBe(200)
    expect(all.headers.get('total')).toBe('2')
    const list = await all.json()
    expect(list.map((k: { kid: string }) => k.kid)).toEqual([a.kid, b.kid])
    expect(Object.keys(list[0])).toEqual(['kid', 'algorithm', 'scope', 'state', 'created_at', 'updated_at'])

    const desc = await (await client.get(`${KEYS}?ordering=desc`)).json()
    expect(desc.map((k: { kid: string }) => k.kid)).toEqual([b.kid, a.kid])
    const byScope = await (await client.get(`${KEYS}?order_by=scope`)).json()
    expect(byScope.map((k: { kid: string }) => k.kid)).toEqual([b.kid, a.kid])
    const page = await client.get(`${KEYS}?limit=1&page=2`)
    expect(page.headers.get('per-page')).toBe('1')
    expect(page.headers.get('page')).toBe('2')
    expect((await page.json()).map((k: { kid: string }) => k.kid)).toEqual([a.kid, b.kid].slice(1))
  })

  it.each([
    ['ordering=up', 'resource.api_key.invalid_ordering'],
    ['order_by=secret_encrypted', 'resource.api_key.invalid_attribute'],
    ['order_by=user_id', 'resource.api_key.invalid_attribute'],
    ['order_by=id%20desc', 'resource.api_key.invalid_attribute'],
    ['limit=1000', 'invalid_limit'],
    ['page=0', 'non_positive_page'],
  ])('%s → 422 %s', async (query, key) => {
    const { client } = await register(t)
    await expectRefusal(t, () => client.get(`${KEYS}?${query}`), 422, [key])
  })

  it('an API key may read the list (no 2FA code needed)', async () => {
    const { client, auth } = await withTwoFactor()
    const key = await create(client, auth)
    const res = await signed(key.kid, key.secret.data.value, 'HS256', KEYS)
    expect(res.status).toBe(200)
    expect((await res.json()).map((k: { kid: string }) => k.kid)).toEqual([key.kid])
  })
})

describe('PATCH /resource/api_keys/:kid', () => {
  it('state=inactive: the gateway refuses the key before the answer returns; active again: accepted', async () => {
    const { client, auth } = await withTwoFactor()
    const key = await create(client, auth)
    const secret = key.secret.data.value as string
    expect((await signed(key.kid, secret)).status).toBe(200)

    const off = await client.request('PATCH', `${KEYS}/${key.kid}`, { state: 'inactive', totp_code: auth.next() })
    expect(off.status).toBe(200)
    const body = await off.json()
    expect(body).toMatchObject({ kid: key.kid, state: 'inactive' })
    expect(body).not.toHaveProperty('secret')
    const refused = await signed(key.kid, secret)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toEqual({ errors: ['authz.apikey_not_active'] })

    const on = await client.request('PATCH', `${KEYS}/${key.kid}`, { state: 'active', scope: 'trade', totp_code: auth.next() })
    expect(await on.json()).toMatchObject({ state: 'active', scope: ['trade'] })
    expect((await signed(key.kid, secret)).status).toBe(200)
  })

  it('errors: missing code, 2FA off, wrong code, unknown or another user’s kid (code unspent), unknown state', async () => {
    const { client, auth } = await withTwoFactor()
    const key = await create(client, auth)
    const other = await withTwoFactor()
    const theirs = await create(other.client, other.auth)
    const patch = (kid: string, body: Record<string, unknown>) => () => client.request('PATCH', `${KEYS}/${kid}`, body)
    await expectRefusal(t, patch(key.kid, { state: 'inactive' }), 422, ['resource.apikey.missing_totp_code', 'resource.apikey.empty_totp_code'])
    await expectRefusal(t, patch(key.kid, { state: 'inactive', totp_code: auth.wrong() }), 422, ['resource.api_key.invalid_totp'])
    await expectRefusal(t, patch(key.kid, { state: 'paused', totp_code: '123456' }), 422, ['state.inclusion'])
    const code = auth.next()
    await expectRefusal(t, patch('0123456789abcdef', { state: 'inactive', totp_code: code }), 404, ['record.not_found'])
    await expectRefusal(t, patch(theirs.kid, { state: 'inactive', totp_code: code }), 404, ['record.not_found'])
    expect((await patch(key.kid, { state: 'inactive', totp_code: code })()).status).toBe(200)
    const { client: noTwoFactor } = await register(t)
    await expectRefusal(t, () => noTwoFactor.request('PATCH', `${KEYS}/${key.kid}`, { state: 'active', totp_code: '123456' }), 400, ['resource.api_key.2fa_disabled'])
  })
})

describe('DELETE /resource/api_keys/:kid', () => {
  it('204; the gateway no longer knows the key; the code may come in the query', async () => {
    const { client, auth } = await withTwoFactor()
    const key = await create(client, auth)
    const res = await client.delete(`${KEYS}/${key.kid}?totp_code=${auth.next()}`)
    expect(res.status).toBe(204)
    expect(await t.deps.db.select().from(apiKeys).where(eq(apiKeys.kid, key.kid))).toEqual([])
    const refused = await signed(key.kid, key.secret.data.value)
    expect(await refused.json()).toEqual({ errors: ['authz.unexistent_apikey'] })
  })

  it('errors: missing code, wrong or replayed code, unknown kid; nothing deleted', async () => {
    const { client, auth } = await withTwoFactor()
    const key = await create(client, auth)
    await expectRefusal(t, () => client.delete(`${KEYS}/${key.kid}`), 422, ['resource.apikey.missing_totp_code', 'resource.apikey.empty_totp_code'])
    await expectRefusal(t, () => client.delete(`${KEYS}/${key.kid}`, { totp_code: auth.wrong() }), 422, ['resource.api_key.invalid_totp'])
    const code = auth.next()
    await expectRefusal(t, () => client.delete(`${KEYS}/0123456789abcdef`, { totp_code: code }), 404, ['record.not_found'])
    expect((await client.delete(`${KEYS}/${key.kid}`, { totp_code: code })).status).toBe(204)
    const again = await create(client, auth)
    await expectRefusal(t, () => client.delete(`${KEYS}/${again.kid}`, { totp_code: code }), 422, ['resource.api_key.invalid_totp'])
  })
})
