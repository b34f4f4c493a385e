import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { normalizePhone } from '../../src/accounts/phones.ts'
import { labels, phones, users } from '../../src/storage/schema/index.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { apiKeyHeaders, createApiKey, setUser, userId } from '../helpers/gateway.ts'
import { lastEvent, register, seedDefaults, seededApp, type Client } from '../helpers/http.ts'
import { RES, expectRefusal } from '../helpers/two-factor.ts'

const PHONES = `${RES}/phones`
let serial = 100
/** A fresh valid UK mobile number, as a user might type it. */
const ukMobile = () => `+44 07418 0${String(84000 + serial++).padStart(5, '0')}`
const digits = (typed: string) => normalizePhone(typed)!.number

let t: TestApp
beforeAll(async () => {
  t = await seededApp({ BARONG_PHONE_CODE_NUMBER_MAX: '3', BARONG_PHONE_CODE_MAX: '50' })
})
afterAll(async () => t?.close())

const phoneRows = async (uid: string) => {
  const [u] = await t.deps.db.select().from(users).where(eq(users.uid, uid))
  return t.deps.db.select().from(phones).where(eq(phones.userId, u!.id))
}
async function added(): Promise<{ client: Client; uid: string; number: string }> {
  const { client, body } = await register(t)
  const number = ukMobile()
  const res = await client.post(PHONES, { phone_number: number })
  expect(res.status, await res.clone().text()).toBe(201)
  return { client, uid: body.uid, number }
}

describeGateCases('/resource/phones', () => t, { method: 'GET', path: PHONES })
describeGateCases('/resource/phones', () => t, { method: 'POST', path: PHONES, body: { phone_number: '+44 7418 084000' } })
describeGateCases('/resource/phones/send_code', () => t, { method: 'POST', path: `${PHONES}/send_code`, body: { phone_number: '+44 7418 084001' }, control: false })
describeGateCases('/resource/phones/verify', () => t, { method: 'POST', path: `${PHONES}/verify`, body: { phone_number: '+44 7418 084002', verification_code: '12345' }, control: false })

describe('normalizePhone', () => {
  it.each([
    ['+44 07418084106', '447418084106', 'GB'],
    ['447418084106', '447418084106', 'GB'],
    ['+1 (650) 253-0000', '16502530000', 'US'],
  ])('%s → %s (%s)', (typed, number, country) => {
    expect(normalizePhone(typed)).toEqual({ number, country })
  })
  it.each(['12345', '+44 123', 'abc', '+44 7418 084106 ext 5', ''])('%j is not a valid number', (typed) => {
    expect(normalizePhone(typed)).toBeNull()
  })
})

describe('GET /resource/phones', () => {
  it('an API key may read the list', async () => {
    const { uid, number } = await added()
    await setUser(t, uid, { otp: true })
    const key = await createApiKey(t, await userId(t, uid))
    const res = await t.app.request(PHONES, { headers: { 'User-Agent': 'bot/1.0', ...apiKeyHeaders(key.kid, key.secret, t.clock.now()) } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual([{ country: 'GB', number: digits(number), validated_at: null }])
  })
})

describe('POST /resource/phones', () => {
  it('adds the normalised number with a 5-digit code and answers Barong’s message; GET lists it', async () => {
    const { client, uid, number } = await added()
    const [row] = await phoneRows(uid)
    expect(row).toMatchObject({ number: digits(number), country: 'GB', validatedAt: null })
    expect(row!.code).toMatch(/^\d{5}$/)
    const list = await client.get(PHONES)
    expect(await list.json()).toEqual([{ country: 'GB', number: digits(number), validated_at: null }])
    const call = await client.post(PHONES, { phone_number: ukMobile(), channel: 'call' })
    expect(await call.json()).toEqual({ message: 'Code was sent successfully via call' })
  })

  it('parameter errors → 422; an invalid number → 400 resource.phone.invalid_num; nothing stored', async () => {
    const { client } = await register(t)
    await expectRefusal(t, () => client.post(PHONES, {}), 422, ['resource.phone.missing_phone_number', 'resource.phone.empty_phone_number'])
    await expectRefusal(t, () => client.post(PHONES, { phone_number: ukMobile(), channel: 'pigeon' }), 422, ['resource.phone.invalid_channel'])
    await expectRefusal(t, () => client.post(PHONES, { phone_number: '12345' }), 400, ['resource.phone.invalid_num'])
  })

  it('the user’s own number again → 400 resource.phone.exists; a number someone verified → 400 resource.phone.number_exist', async () => {
    const { client, number } = await added()
    await expectRefusal(t, () => client.post(PHONES, { phone_number: number }), 400, ['resource.phone.exists'])
    expect((await client.post(`${PHONES}/verify`, { phone_number: number, verification_code: '12345' })).status).toBe(201)
    const { client: other } = await register(t)
    await expectRefusal(t, () => other.post(PHONES, { phone_number: number }), 400, ['resource.phone.number_exist'])
  })
})

describe('POST /resource/phones/send_code', () => {
  it('re-sends for the user’s number; another user’s number → 404; limited per number (429 with Retry-After)', async () => {
    const { client, number } = await added()
    const res = await client.post(`${PHONES}/send_code`, { phone_number: number })
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual({ message: 'Code was sent successfully via sms' })
    const { client: other } = await register(t)
    await expectRefusal(t, () => other.post(`${PHONES}/send_code`, { phone_number: number }), 404, ['resource.phone.doesnt_exist'])
    await expectRefusal(t, () => client.post(`${PHONES}/send_code`, { phone_number: '12' }), 400, ['resource.phone.invalid_num'])
    // Add and the first send_code used two of the number's three codes.
    expect((await client.post(`${PHONES}/send_code`, { phone_number: number })).status).toBe(201)
    const limited = await client.post(`${PHONES}/send_code`, { phone_number: number })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('3600')
    expect(await limited.json()).toEqual({ errors: ['resource.phone.too_many_requests'] })
    // The number's budget holds for any user: another account adding it is refused too.
    await expectRefusal(t, () => other.post(PHONES, { phone_number: number }), 429, ['resource.phone.too_many_requests'])
  })
})

describe('POST /resource/phones/verify', () => {
  it('the mock accepts 12345 only: a wrong code → 404 resource.phone.verification_invalid, nothing changed', async () => {
    const { client, number } = await added()
    await expectRefusal(t, () => client.post(`${PHONES}/verify`, { phone_number: number, verification_code: '54321' }), 404, ['resource.phone.verification_invalid'])
    await expectRefusal(t, () => client.post(`${PHONES}/verify`, { phone_number: number }), 422, ['resource.phone.missing_verification_code', 'resource.phone.empty_verification_code'])
    await expectRefusal(t, () => client.post(`${PHONES}/verify`, { phone_number: ukMobile(), verification_code: '12345' }), 404, ['resource.phone.doesnt_exist'])
    await expectRefusal(t, () => client.post(`${PHONES}/verify`, { phone_number: 'x', verification_code: '12345' }), 400, ['resource.phone.invalid_num'])
  })

  it('verified: validated_at, label phone:verified, level 2 after email; UserWithFullInfo; verified again → 400 number_exist', async () => {
    const { client, uid, number } = await added()
    const [u] = await t.deps.db.select().from(users).where(eq(users.uid, uid))
    await t.deps.db.insert(labels).values({ userId: u!.id, key: 'email', value: 'verified', scope: 'private' })
    const res = await client.post(`${PHONES}/verify`, { phone_number: number, verification_code: '12345' })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(Object.keys(body)).toEqual(['email', 'uid', 'role', 'level', 'otp', 'state', 'referral_uid', 'data', 'created_at', 'updated_at', 'labels', 'phones', 'profiles', 'data_storages'])
    expect(body).toMatchObject({ uid, level: 2 })
    expect(body.phones[0]).toMatchObject({ number: digits(number), validated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) })
    expect(body.labels.map((l: { key: string; value: string; scope: string }) => `${l.key}:${l.value}:${l.scope}`)).toContain('phone:verified:private')
    expect((await lastEvent(t, 'label.created'))?.record).toMatchObject({ key: 'phone', value: 'verified', user: { uid } })
    expect((await lastEvent(t, 'user.updated'))?.changes).toEqual({ state: 'pending', level: 0 })
    await expectRefusal(t, () => client.post(`${PHONES}/verify`, { phone_number: number, verification_code: '12345' }), 400, ['resource.phone.number_exist'])
  })
})

/** Numbers the fake Twilio refuses, with Twilio's error code. */
const REFUSALS: Record<string, number> = { '+447418099999': 21614, '+447418099998': 21612, '+447418099997': 21618, '+447418099996': 21610, '+447418099995': 20003 }

/** Twilio's Verify and Messages APIs on loopback: records each call, approves `654321`, refuses the numbers above. */
class FakeTwilio {
  server: Server = createServer((req, res) => void this.handle(req, res))
  calls: Array<{ path: string; auth: string | undefined; form: Record<string, string> }> = []
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }
  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    let raw = ''
    for await (const chunk of req) raw += chunk
    const form = Object.fromEntries(new URLSearchParams(raw))
    this.calls.push({ path: req.url ?? '', auth: req.headers.authorization, form })
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const refusal = REFUSALS[form.To ?? '']
    if (refusal) return json(400, { code: refusal, message: 'refused', status: 400 })
    if (req.url?.endsWith('/Verifications')) return json(201, { sid: 'VE1', status: 'pending', to: form.To, channel: form.Channel })
    if (req.url?.endsWith('/VerificationCheck')) return json(200, { sid: 'VE1', status: form.Code === '654321' ? 'approved' : 'pending' })
    if (req.url?.endsWith('/Messages.json')) return json(201, { sid: 'SM1', status: 'queued' })
    json(404, { code: 20404, message: 'not found' })
  }
}

describe('Twilio Verify (a fake Twilio on loopback)', () => {
  const fake = new FakeTwilio()
  let tw: TestApp
  let twilioUrl: string
  beforeAll(async () => {
    const url = await fake.start()
    twilioUrl = url
    tw = await createTestApp({
      BARONG_SMS: 'twilio_verify',
      BARONG_TWILIO_ACCOUNT_SID: 'AC123',
      BARONG_TWILIO_AUTH_TOKEN: 'token-1',
      BARONG_TWILIO_SERVICE_SID: 'VA456',
      BARONG_TWILIO_VERIFY_URL: url,
    })
    await seedDefaults(tw)
  })
  afterAll(async () => {
    await tw?.close()
    await new Promise((r) => fake.server.close(r))
  })

  it('sends through Verify with basic auth; Twilio’s approval verifies, its refusal does not; 12345 means nothing', async () => {
    const { client, body } = await register(tw)
    const number = ukMobile()
    expect((await client.post(PHONES, { phone_number: number, channel: 'call' })).status).toBe(201)
    expect(fake.calls.at(-1)).toEqual({
      path: '/v2/Services/VA456/Verifications',
      auth: `Basic ${Buffer.from('AC123:token-1').toString('base64')}`,
      form: { To: `+${digits(number)}`, Channel: 'call' },
    })
    await expectRefusal(tw, () => client.post(`${PHONES}/verify`, { phone_number: number, verification_code: '12345' }), 404, ['resource.phone.verification_invalid'])
    expect(fake.calls.at(-1)).toMatchObject({ path: '/v2/Services/VA456/VerificationCheck', form: { To: `+${digits(number)}`, Code: '12345' } })
    const ok = await client.post(`${PHONES}/verify`, { phone_number: number, verification_code: '654321' })
    expect(ok.status).toBe(201)
    expect((await ok.json()).uid).toBe(body.uid)
  })

  it.each([
    ['+44 7418 099999', 'resource.phone.num_not_valid'],
    ['+44 7418 099998', 'resource.phone.num_not_reachable'],
    ['+44 7418 099997', 'resource.phone.sms_content_invalid'],
    ['+44 7418 099996', 'resource.phone.unsubscribed_recipient'],
    ['+44 7418 099995', 'resource.phone.twilio_unexpected'],
  ])('Twilio refusing %s → 422 %s, and nothing is stored', async (number, key) => {
    const { client } = await register(tw)
    await expectRefusal(tw, () => client.post(PHONES, { phone_number: number }), 422, [key])
  })

  it('Twilio unreachable → 422 resource.phone.twilio_unexpected', async () => {
    const down = await createTestApp({ BARONG_SMS: 'twilio_verify', BARONG_TWILIO_ACCOUNT_SID: 'AC1', BARONG_TWILIO_AUTH_TOKEN: 'x', BARONG_TWILIO_SERVICE_SID: 'VA1', BARONG_TWILIO_VERIFY_URL: 'http://127.0.0.1:9' })
    try {
      await seedDefaults(down)
      const { client } = await register(down)
      await expectRefusal(down, () => client.post(PHONES, { phone_number: ukMobile() }), 422, ['resource.phone.twilio_unexpected'])
    } finally {
      await down.close()
    }
  })

  it('twilio_sms: our stored code goes out in the template and only it verifies', async () => {
    const sms = await createTestApp({
      BARONG_PHONE_VERIFICATION: 'twilio_sms',
      BARONG_TWILIO_ACCOUNT_SID: 'AC9',
      BARONG_TWILIO_AUTH_TOKEN: 'token-9',
      BARONG_TWILIO_API_URL: twilioUrl,
    })
    try {
      await seedDefaults(sms)
      const { client, body } = await register(sms)
      const number = ukMobile()
      expect((await client.post(PHONES, { phone_number: number })).status).toBe(201)
      const [u] = await sms.deps.db.select().from(users).where(eq(users.uid, body.uid))
      const [row] = await sms.deps.db.select().from(phones).where(eq(phones.userId, u!.id))
      expect(fake.calls.at(-1)).toEqual({
        path: '/2010-04-01/Accounts/AC9/Messages.json',
        auth: `Basic ${Buffer.from('AC9:token-9').toString('base64')}`,
        form: { From: '+15005550000', To: `+${digits(number)}`, Body: `Your verification code for Barong: ${row!.code}` },
      })
      const wrong = row!.code === '00000' ? '11111' : '00000'
      await expectRefusal(sms, () => client.post(`${PHONES}/verify`, { phone_number: number, verification_code: wrong }), 404, ['resource.phone.verification_invalid'])
      expect((await client.post(`${PHONES}/verify`, { phone_number: number, verification_code: row!.code })).status).toBe(201)
    } finally {
      await sms.close()
    }
  })

  it('incomplete Twilio settings stop the start', async () => {
    await expect(createTestApp({ BARONG_SMS: 'twilio_verify', BARONG_TWILIO_ACCOUNT_SID: 'AC1', BARONG_TWILIO_AUTH_TOKEN: 'x' })).rejects.toThrow(/BARONG_TWILIO_SERVICE_SID/)
  })
})
