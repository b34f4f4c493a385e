import { createHmac } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/index.ts'
import { callbackSignatureValid } from '../../src/kyc/kycaid-client.ts'
import { kycJobs, labels, profiles, users } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { startKycaidFake } from '../helpers/kycaid-fake.ts'
import { Client, register, seededApp } from '../helpers/http.ts'
import { setUser, userId } from '../helpers/gateway.ts'
import { RES } from '../helpers/two-factor.ts'
import { dbFingerprint } from '../helpers/state.ts'

const TOKEN = 'kycaid-test-token-0123456789'
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
const ALICE = { first_name: 'Alice', last_name: 'Smith', dob: '1990-04-01', address: 'Main st. 5', postcode: '01001', city: 'Kyiv', country: 'UA' }

let t: TestApp
let fake: Awaited<ReturnType<typeof startKycaidFake>>
beforeAll(async () => {
  fake = await startKycaidFake()
  t = await seededApp({
    BARONG_KYC_PROVIDER: 'kycaid',
    KYCAID_AUTHORIZATION_TOKEN: TOKEN,
    KYCAID_API_ENDPOINT: fake.url,
    BARONG_KYC_POLL_MS: '600000',
    BARONG_DOMAIN: 'exchange.example',
    BARONG_UPLOAD_DIR: mkdtempSync(join(tmpdir(), 'barong-kycaid-')),
  })
})
afterAll(async () => {
  await t?.close()
  await fake?.close()
})

const runJobs = () => t.deps.kyc!.runDue()
const labelOf = async (id: number, key: string) => (await t.deps.db.select().from(labels).where(and(eq(labels.userId, id), eq(labels.key, key), eq(labels.scope, 'private'))))[0]?.value ?? null
const profileOf = async (id: number) => (await t.deps.db.select().from(profiles).where(eq(profiles.userId, id)))[0]!

async function upload(client: Client, fields: Record<string, string>, names: string[], path = `${RES}/documents`) {
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  for (const name of names) form.append('upload[]', new File([PNG], name, { type: 'image/png' }))
  return t.request(path, { method: 'POST', headers: { Cookie: client.cookie!, 'X-CSRF-Token': client.csrf!, 'User-Agent': client.ua, 'X-Forwarded-For': client.ip }, body: form })
}

const signed = (body: string, token = TOKEN) => createHmac('sha512', token).update(Buffer.from(body).toString('base64')).digest('hex')
const fetchRaw = (raw: string, signature: string) =>
  t.request('/api/v2/barong/public/kyc', { method: 'POST', headers: { 'Content-Type': 'application/json', 'x-data-integrity': signature, 'User-Agent': 'KYCAID/1.0' }, body: raw })

/** A user with a verified KYCAID applicant (through the applicant job), email and phone labels: level 2. */
async function applicant() {
  const { client, body } = await register(t)
  const id = await userId(t, body.uid)
  await t.deps.db.insert(labels).values([
    { userId: id, key: 'email', value: 'verified', scope: 'private' },
    { userId: id, key: 'phone', value: 'verified', scope: 'private' },
  ])
  await setUser(t, body.uid, { state: 'active', level: 2 })
  expect((await client.post(`${RES}/profiles`, { ...ALICE, confirm: true })).status).toBe(201)
  await runJobs()
  return { client, uid: body.uid as string, id, applicantId: (await profileOf(id)).applicantId! }
}

describe('KYCAID', () => {
  it('the callback signature is KYCAID’s: HMAC-SHA512 of the base64 body, keyed with the token (their documented vector)', () => {
    const body = '{"request_id":"61a7dbcc012d9042e909cf006e7b412d6ba5","type":"VERIFICATION_STATUS_CHANGED","applicant_id":"4141cc1b18dba048470b2961cb4592f480fe","verification_id":"2cf795e713be1040e50b202164ee17bfdfbe","form_id":"58bed87600dd9944f02ba0c9cd8b32d6bd4c","verification_status":"pending"}'
    const expected = 'f7681b097b77928fc031d614709976796057c306cf77fdd449bb414937bd87678d908d7efaa65e9b1dd65b9eeea2121ea75bd9007f44fe8fcd7c9ac6cdeeef0e'
    expect(callbackSignatureValid(Buffer.from(body), expected, '28c6f7cc0345a04eee0b535039b1c5a62547')).toBe(true)
    expect(callbackSignatureValid(Buffer.from(body), expected.replace('f', '0'), '28c6f7cc0345a04eee0b535039b1c5a62547')).toBe(false)
    expect(callbackSignatureValid(Buffer.from(body), undefined, '28c6f7cc0345a04eee0b535039b1c5a62547')).toBe(false)
  })

  it('a submitted profile becomes a KYCAID applicant in the background: profile verified, applicant id, label', async () => {
    const from = fake.calls.length
    const { id } = await applicant()
    const [call] = fake.calls.slice(from)
    expect(call).toMatchObject({ method: 'POST', path: '/applicants', auth: `Token ${TOKEN}` })
    expect(JSON.parse(call!.body)).toMatchObject({ type: 'PERSON', first_name: 'Alice', last_name: 'Smith', dob: '1990-04-01', residence_country: 'UA' })
    expect(await profileOf(id)).toMatchObject({ state: 'verified', applicantId: expect.stringMatching(/^app/) })
    expect(await labelOf(id, 'profile')).toBe('verified')
  })

  it('the provider refusing the applicant rejects the profile; an outage is retried later and then succeeds', async () => {
    const { client, body } = await register(t)
    const id = await userId(t, body.uid)
    fake.fail.set('/applicants', 422)
    expect((await client.post(`${RES}/profiles`, { ...ALICE, confirm: true })).status).toBe(201)
    await runJobs()
    expect((await profileOf(id)).state).toBe('rejected')
    expect(await labelOf(id, 'profile')).toBe('rejected')

    const other = await register(t)
    const otherId = await userId(t, other.body.uid)
    fake.fail.set('/applicants', 503)
    expect((await other.client.post(`${RES}/profiles`, { ...ALICE, confirm: true })).status).toBe(201)
    await runJobs()
    expect((await profileOf(otherId)).state).toBe('submitted')
    const [job] = await t.deps.db.select().from(kycJobs).where(eq(kycJobs.payload, JSON.stringify({ profileId: (await profileOf(otherId)).id })))
    expect(job).toMatchObject({ attempts: 1, doneAt: null, lastError: expect.stringContaining('503') })
    fake.fail.delete('/applicants')
    expect(await runJobs()).toBe(0) // not due yet
    t.clock.advance(2_000)
    await runJobs()
    expect((await profileOf(otherId)).state).toBe('verified')
  })

  it('a passport (front and selfie) goes to KYCAID once complete: files, document, selfie, verification with the callback', async () => {
    const { client, id } = await applicant()
    const from = fake.calls.length
    const res = await upload(client, { doc_type: 'Passport', doc_number: 'AB123456', doc_expire: '2999-12-31' }, ['front.png', 'selfie.png'])
    expect(res.status, await res.clone().text()).toBe(201)
    expect(await labelOf(id, 'document')).toBe('pending')
    await runJobs()
    expect(fake.since(from)).toEqual(['POST /files', 'POST /documents', 'POST /files', 'POST /documents', 'POST /verifications'])
    const calls = fake.calls.slice(from)
    expect(JSON.parse(calls[1]!.body)).toMatchObject({ type: 'PASSPORT', document_number: 'AB123456', expiry_date: '2999-12-31', front_side_id: expect.stringMatching(/^file/) })
    expect(JSON.parse(calls[3]!.body)).toMatchObject({ type: 'SELFIE_IMAGE' })
    expect(JSON.parse(calls[4]!.body)).toMatchObject({ types: ['DOCUMENT', 'FACIAL'], callback_url: 'https://exchange.example/api/v2/barong/public/kyc' })
    // A lone identity-card side is not a batch yet: nothing is sent, no label moves.
    const before = fake.calls.length
    expect((await upload(client, { doc_type: 'Identity card', doc_number: 'ID1', doc_expire: '2999-12-31' }, ['front.png'])).status).toBe(201)
    await runJobs()
    expect(fake.calls.length).toBe(before)
  })

  it('a signed callback of a completed verification sets document:verified through the label module: level 3', async () => {
    const { client, id, applicantId } = await applicant()
    await upload(client, { doc_type: 'Passport', doc_number: 'AB123456', doc_expire: '2999-12-31' }, ['front.png', 'selfie.png'])
    await runJobs()
    fake.verifications.set('ver-ok', { verification_id: 'ver-ok', applicant_id: applicantId, status: 'completed', verifications: { document: { verified: true }, facial: { verified: true } } })
    const res = await fetchRaw(JSON.stringify({ applicant_id: applicantId, verification_id: 'ver-ok' }), signed(JSON.stringify({ applicant_id: applicantId, verification_id: 'ver-ok' })))
    expect(res.status, await res.clone().text()).toBe(200)
    await runJobs()
    expect(await labelOf(id, 'document')).toBe('verified')
    const [u] = await t.deps.db.select().from(users).where(eq(users.id, id))
    expect(u!.level).toBe(3)
  })

  it('a failed facial check rejects the document', async () => {
    const { client, id, applicantId } = await applicant()
    await upload(client, { doc_type: 'Passport', doc_number: 'AB123456', doc_expire: '2999-12-31' }, ['front.png', 'selfie.png'])
    await runJobs()
    fake.verifications.set('ver-face', { verification_id: 'ver-face', applicant_id: applicantId, status: 'completed', verifications: { document: { verified: true }, facial: { verified: false } } })
    const raw = JSON.stringify({ applicant_id: applicantId, verification_id: 'ver-face' })
    expect((await fetchRaw(raw, signed(raw))).status).toBe(200)
    await runJobs()
    expect(await labelOf(id, 'document')).toBe('rejected')
  })

  it('refused callbacks change nothing: a bad or missing signature (401), another applicant’s verification', async () => {
    const { client, id, applicantId } = await applicant()
    await upload(client, { doc_type: 'Passport', doc_number: 'AB123456', doc_expire: '2999-12-31' }, ['front.png', 'selfie.png'])
    await runJobs()
    const raw = JSON.stringify({ applicant_id: applicantId, verification_id: 'ver-stolen' })
    const before = await dbFingerprint(t)
    for (const signature of [signed(raw, 'another-token'), '', 'zz']) {
      const res = await fetchRaw(raw, signature)
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ errors: ['public.kyc.invalid_signature'] })
    }
    expect(await dbFingerprint(t)).toEqual(before)
    // A genuine verification of someone else, replayed against this applicant: fetched, seen not to match, dropped.
    fake.verifications.set('ver-stolen', { verification_id: 'ver-stolen', applicant_id: 'app-someone-else', status: 'completed', verifications: { document: { verified: true }, facial: { verified: true } } })
    expect((await fetchRaw(raw, signed(raw))).status).toBe(200)
    await runJobs()
    expect(await labelOf(id, 'document')).toBe('pending')
  })

  it('a proof of address is sent with the claimed address; the provider refusing it rejects the label', async () => {
    const { client, id } = await applicant()
    const from = fake.calls.length
    const res = await upload(client, { country: 'UA', city: 'Kyiv', postcode: '01001', address: 'Main st. 5' }, ['bill.png'], `${RES}/addresses`)
    expect(res.status, await res.clone().text()).toBe(201)
    expect(await labelOf(id, 'address')).toBe('pending')
    await runJobs()
    expect(fake.since(from)).toEqual(['POST /files', 'POST /addresses', 'POST /verifications'])
    expect(JSON.parse(fake.calls[from + 1]!.body)).toMatchObject({ type: 'REGISTERED', country: 'UA', city: 'Kyiv', postal_code: '01001', full_address: 'Main st. 5' })
    fake.fail.set('/addresses', 422)
    await upload(client, { country: 'UA', city: 'Kyiv', postcode: '01001', address: 'Main st. 6' }, ['bill.png'], `${RES}/addresses`)
    await runJobs()
    fake.fail.delete('/addresses')
    expect(await labelOf(id, 'address')).toBe('rejected')
  })

  it('with the local provider the callback is refused (422); kycaid needs its token to start', async () => {
    const local = await seededApp()
    try {
      const raw = '{}'
      const res = await local.request('/api/v2/barong/public/kyc', { method: 'POST', headers: { 'Content-Type': 'application/json', 'x-data-integrity': signed(raw) }, body: raw })
      expect(res.status).toBe(422)
      expect(await res.json()).toEqual({ errors: ['public.kyc.provider_disabled'] })
    } finally {
      await local.close()
    }
    expect(() => loadConfig({ BARONG_KYC_PROVIDER: 'kycaid', DATA_DIR: '/tmp' })).toThrow(/KYCAID_AUTHORIZATION_TOKEN is required/)
  })
})
