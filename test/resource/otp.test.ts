import { and, asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activities, apiKeys, eventOutbox, labels, users } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { AUTH, apiKeyHeaders } from '../helpers/gateway.ts'
import { Client, ID, STRONG, lastEvent, register, seededApp } from '../helpers/http.ts'
import { Authenticator, RES, enableTwoFactor, expectRefusal } from '../helpers/two-factor.ts'

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const userRow = async (uid: string) => (await t.deps.db.select().from(users).where(eq(users.uid, uid)))[0]!
const otpActivities = async (uid: string) => {
  const u = await userRow(uid)
  return t.deps.db
    .select({ action: activities.action, result: activities.result, data: activities.data })
    .from(activities)
    .where(and(eq(activities.userId, u.id), eq(activities.topic, 'otp')))
    .orderBy(asc(activities.id))
}

describeGateCases('/resource/otp/generate_qrcode', () => t, { method: 'POST', path: `${RES}/otp/generate_qrcode` })
for (const action of ['enable', 'disable', 'verify']) {
  describeGateCases(`/resource/otp/${action}`, () => t, { method: 'POST', path: `${RES}/otp/${action}`, body: { code: '123456' }, control: false })
}

describe('POST /resource/otp/generate_qrcode', () => {
  it('answers Vault’s object with the otpauth URL and a PNG; the seed is sealed at rest; activity recorded', async () => {
    const { client, body, email } = await register(t)
    const res = await client.post(`${RES}/otp/generate_qrcode`)
    expect(res.status).toBe(201)
    const answer = await res.json()
    expect(Object.keys(answer)).toEqual(['lease_id', 'lease_duration', 'renewable', 'data', 'auth', 'warnings', 'wrap_info'])
    expect(answer).toMatchObject({ lease_id: '', lease_duration: 0, renewable: false, auth: null, warnings: null, wrap_info: null })
    const url = answer.data.url as string
    expect(url).toMatch(new RegExp(`^otpauth://totp/Barong:${email.replace(/[.+]/g, '\\$&')}\\?algorithm=SHA1&digits=6&issuer=Barong&period=30&secret=[A-Z2-7]{32}$`))
    expect(Buffer.from(answer.data.barcode, 'base64').subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    const secret = new URL(url).searchParams.get('secret')!
    const row = await userRow(body.uid)
    expect(row.otp).toBe(false)
    expect(row.otpSecretEncrypted).toBeTruthy()
    expect(row.otpSecretEncrypted).not.toContain(secret)
    expect(t.deps.secrets.open(row.otpSecretEncrypted!)).toBe(secret)
    expect(await otpActivities(body.uid)).toEqual([{ action: 'request QR code for 2FA', result: 'succeed', data: null }])
  })

  it('a new QR code replaces the seed: the old one’s codes no longer work', async () => {
    const { client } = await register(t)
    const first = new URL((await (await client.post(`${RES}/otp/generate_qrcode`)).json()).data.url).searchParams.get('secret')!
    await client.post(`${RES}/otp/generate_qrcode`)
    await expectRefusal(t, () => client.post(`${RES}/otp/enable`, { code: new Authenticator(t, first).next() }), 422, ['resource.otp.invalid'])
  })

  it('2FA already on → 400 resource.otp.already_enabled, the seed kept, a failed activity', async () => {
    const { client, body } = await register(t)
    await enableTwoFactor(t, client)
    await expectRefusal(t, () => client.post(`${RES}/otp/generate_qrcode`), 400, ['resource.otp.already_enabled'])
    expect((await otpActivities(body.uid)).at(-1)).toMatchObject({ action: 'request QR code for 2FA', result: 'failed' })
  })
})

describe('POST /resource/otp/enable', () => {
  it('missing or blank code → 422 with Barong’s keys, nothing changed', async () => {
    const { client } = await register(t)
    await client.post(`${RES}/otp/generate_qrcode`)
    await expectRefusal(t, () => client.post(`${RES}/otp/enable`, {}), 422, ['resource.otp.missing_code', 'resource.otp.empty_code'])
    await expectRefusal(t, () => client.post(`${RES}/otp/enable`, { code: ' ' }), 422, ['resource.otp.empty_code'])
  })

  it('a wrong code, or no QR code generated yet → 422 resource.otp.invalid with a failed activity; 2FA stays off', async () => {
    const { client, body } = await register(t)
    await expectRefusal(t, () => client.post(`${RES}/otp/enable`, { code: '123456' }), 422, ['resource.otp.invalid'])
    const qr = await (await client.post(`${RES}/otp/generate_qrcode`)).json()
    const auth = new Authenticator(t, new URL(qr.data.url).searchParams.get('secret')!)
    await expectRefusal(t, () => client.post(`${RES}/otp/enable`, { code: auth.wrong() }), 422, ['resource.otp.invalid'])
    expect((await otpActivities(body.uid)).filter((a) => a.action === 'enable 2FA')).toEqual([
      { action: 'enable 2FA', result: 'failed', data: '{"reason":"OTP code is invalid"}' },
      { action: 'enable 2FA', result: 'failed', data: '{"reason":"OTP code is invalid"}' },
    ])
    expect((await userRow(body.uid)).otp).toBe(false)
  })

  it('turns 2FA on: label otp:enabled, events, activity; other sessions end, this one stays; the code cannot be used again', async () => {
    const { client, body, email } = await register(t)
    const other = new Client(t, '10.1.9.9')
    const signIn = await other.post(`${ID}/sessions`, { email, password: STRONG })
    expect(signIn.status).toBe(200)
    other.csrf = (await signIn.json()).csrf_token
    expect((await other.get(`${RES}/api_keys`)).status).toBe(200)

    const qr = await (await client.post(`${RES}/otp/generate_qrcode`)).json()
    const auth = new Authenticator(t, new URL(qr.data.url).searchParams.get('secret')!)
    const code = auth.next()
    const res = await client.post(`${RES}/otp/enable`, { code })
    expect(res.status).toBe(201)
    expect(await res.json()).toBe(200)

    const row = await userRow(body.uid)
    expect(row.otp).toBe(true)
    const ls = await t.deps.db.select().from(labels).where(eq(labels.userId, row.id))
    expect(ls.map((l) => [l.key, l.value, l.scope])).toContainEqual(['otp', 'enabled', 'private'])
    const updated = await lastEvent(t, 'user.updated')
    expect(updated?.record).toMatchObject({ uid: body.uid, otp: true })
    expect(updated?.changes).toEqual({ otp: false })
    expect((await lastEvent(t, 'label.created'))?.record).toMatchObject({ key: 'otp', value: 'enabled', user: { uid: body.uid } })
    expect((await otpActivities(body.uid)).at(-1)).toEqual({ action: 'enable 2FA', result: 'succeed', data: null })

    expect((await other.get(`${RES}/api_keys`)).status).toBe(401)
    expect((await client.get(`${RES}/api_keys`)).status).toBe(200)
    // The step is spent: the same code no longer verifies.
    await expectRefusal(t, () => client.post(`${RES}/otp/verify`, { code }), 422, ['resource.otp.invalid'])
  })

  it('through a trusted hop with the JWT minted for this session: the other sessions end, this one stays', async () => {
    const { client, email } = await register(t)
    const other = new Client(t, '10.1.9.8')
    const signIn = await other.post(`${ID}/sessions`, { email, password: STRONG })
    other.csrf = (await signIn.json()).csrf_token
    const qr = await (await client.post(`${RES}/otp/generate_qrcode`)).json()
    const auth = new Authenticator(t, new URL(qr.data.url).searchParams.get('secret')!)
    const minted = await client.get(`${AUTH}${RES}/users/me`)
    const jwt = minted.headers.get('authorization')!
    expect(jwt).toMatch(/^Bearer /)
    const res = await new Client(t, client.ip).request('POST', `${RES}/otp/enable`, { code: auth.next() }, { Authorization: jwt })
    expect(res.status).toBe(201)
    expect((await other.get(`${RES}/api_keys`)).status).toBe(401)
    expect((await client.get(`${RES}/api_keys`)).status).toBe(200)
  })

  it('2FA already on → 400 resource.otp.already_enabled', async () => {
    const { client } = await register(t)
    const auth = await enableTwoFactor(t, client)
    await expectRefusal(t, () => client.post(`${RES}/otp/enable`, { code: auth.next() }), 400, ['resource.otp.already_enabled'])
  })
})

describe('POST /resource/otp/verify', () => {
  it('a valid code → 201 null, once; a wrong one → 422 with a failed activity', async () => {
    const { client, body } = await register(t)
    const auth = await enableTwoFactor(t, client)
    const code = auth.next()
    const ok = await client.post(`${RES}/otp/verify`, { code })
    expect(ok.status).toBe(201)
    expect(await ok.json()).toBeNull()
    await expectRefusal(t, () => client.post(`${RES}/otp/verify`, { code }), 422, ['resource.otp.invalid'])
    await expectRefusal(t, () => client.post(`${RES}/otp/verify`, { code: auth.wrong() }), 422, ['resource.otp.invalid'])
    expect((await otpActivities(body.uid)).filter((a) => a.action === 'verify 2FA code').map((a) => a.result)).toEqual(['failed', 'failed'])
  })

  it('2FA off → 400 with Barong’s key (resource.otp.already_enabled)', async () => {
    const { client } = await register(t)
    await expectRefusal(t, () => client.post(`${RES}/otp/verify`, { code: '123456' }), 400, ['resource.otp.already_enabled'])
  })
})

describe('POST /resource/otp/disable', () => {
  it('2FA off → 400 resource.otp.not_enabled; a wrong code → 422; both with a failed activity', async () => {
    const { client } = await register(t)
    await expectRefusal(t, () => client.post(`${RES}/otp/disable`, { code: '123456' }), 400, ['resource.otp.not_enabled'])
    const auth = await enableTwoFactor(t, client)
    await expectRefusal(t, () => client.post(`${RES}/otp/disable`, { code: auth.wrong() }), 422, ['resource.otp.invalid'])
  })

  it('turns 2FA off: 200, the otp label gone, API keys inactive and refused by the gateway at once', async () => {
    const { client, body } = await register(t)
    const auth = await enableTwoFactor(t, client)
    const created = await (await client.post(`${RES}/api_keys`, { algorithm: 'HS256', totp_code: auth.next() })).json()
    const kid = created.kid as string
    const secret = created.secret.data.value as string
    expect((await t.request(`${AUTH}${RES}/api_keys`, { headers: apiKeyHeaders(kid, secret, t.clock.now()) })).status).toBe(200)

    const res = await client.post(`${RES}/otp/disable`, { code: auth.next() })
    expect(res.status).toBe(200)
    expect(await res.json()).toBe(200)
    const row = await userRow(body.uid)
    expect(row.otp).toBe(false)
    expect(await t.deps.db.select().from(labels).where(and(eq(labels.userId, row.id), eq(labels.key, 'otp')))).toEqual([])
    expect((await t.deps.db.select().from(apiKeys).where(eq(apiKeys.kid, kid)))[0]?.state).toBe('inactive')
    const refused = await t.request(`${AUTH}${RES}/api_keys`, { headers: apiKeyHeaders(kid, secret, t.clock.now() + 1) })
    expect(refused.status).toBe(401)
    expect(await refused.json()).toEqual({ errors: ['authz.apikey_not_active'] })
    expect((await otpActivities(body.uid)).at(-1)).toEqual({ action: 'disable 2FA', result: 'succeed', data: null })
    expect((await lastEvent(t, 'user.updated'))?.changes).toEqual({ otp: true })
  })
})

describe('secrets', () => {
  it('the TOTP seed is in no event and in no answer but the QR code’s', async () => {
    const { client } = await register(t)
    const auth = await enableTwoFactor(t, client)
    const events = await t.deps.db.select().from(eventOutbox)
    expect(JSON.stringify(events)).not.toContain(auth.secret)
    for (const path of [`${RES}/api_keys`, `${RES}/phones`]) expect(await (await client.get(path)).text()).not.toContain(auth.secret)
  })
})
