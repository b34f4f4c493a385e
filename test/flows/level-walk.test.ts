import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ADMIN, adminApp, staff } from '../helpers/admin.ts'
import type { TestApp } from '../helpers/app.ts'
import { eventsFor, ID, register, uniqueEmail } from '../helpers/http.ts'
import { RES } from '../helpers/two-factor.ts'

// Levels move through ONE label module whichever surface writes the label: identity (email), the resource API
// (phone, documents, profiles) and the admin API (the document review).
let t: TestApp
beforeAll(async () => {
  t = await adminApp({ BARONG_UPLOAD_DIR: mkdtempSync(join(tmpdir(), 'barong-walk-')) })
})
afterAll(async () => t?.close())

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')

it('a user walks 0 → 1 → 2 → 3 through email, phone and a reviewed passport, and back to 2 on rejection', async () => {
  const email = uniqueEmail('walk')
  const { client } = await register(t, email)
  /** Level and state as the gateway sees them: the claims of the JWT it mints for the user. */
  const standing = async () => {
    const res = await client.get(`/api/v2/auth${RES}/users/me`)
    expect(res.status).toBe(200)
    const claims = JSON.parse(Buffer.from(res.headers.get('authorization')!.split('.')[1]!, 'base64url').toString())
    const me = await (await client.get(`${RES}/users/me`)).json()
    expect([me.level, me.state]).toEqual([claims.level, claims.state])
    return `${claims.level}:${claims.state}`
  }
  expect(await standing()).toBe('0:pending')

  const [mail] = await eventsFor(t, 'user.email.confirmation.token', email)
  const confirmed = await client.post(`${ID}/users/email/confirm_code`, { token: mail!.record.token })
  expect(confirmed.status).toBe(201)
  client.csrf = (await confirmed.json()).csrf_token
  expect(await standing()).toBe('1:active')

  const number = '+44 07418 099001'
  expect((await client.post(`${RES}/phones`, { phone_number: number })).status).toBe(201)
  expect((await client.post(`${RES}/phones/verify`, { phone_number: number, verification_code: '12345' })).status).toBe(201)
  expect(await standing()).toBe('2:active')

  const profile = { first_name: 'Walker', last_name: 'Smith', dob: '1990-04-01', address: 'Main st. 5', postcode: '12345', city: 'Kyiv', country: 'UA', confirm: true }
  expect((await client.post(`${RES}/profiles`, profile)).status).toBe(201)
  const form = new FormData()
  for (const [k, v] of Object.entries({ doc_type: 'Passport', doc_number: 'AB123456', doc_expire: '2999-12-31' })) form.append(k, v)
  for (const name of ['front.png', 'selfie.png']) form.append('upload[]', new File([PNG], name, { type: 'image/png' }))
  const upload = await t.request(`${RES}/documents`, {
    method: 'POST',
    headers: { Cookie: client.cookie!, 'X-CSRF-Token': client.csrf!, 'User-Agent': client.ua, 'X-Forwarded-For': client.ip },
    body: form,
  })
  expect(upload.status, await upload.clone().text()).toBe(201)
  expect(await standing()).toBe('2:active')

  const admin = await staff(t, 'admin')
  const me = await (await client.get(`${RES}/users/me`)).json()
  const pending = await (await admin.client.get(`${ADMIN}/users/documents/pending?uid=${me.uid}`)).json()
  expect(pending).toEqual([expect.objectContaining({ uid: me.uid })])
  const review = (value: string) => admin.client.request('PUT', `${ADMIN}/users/labels`, { uid: me.uid, key: 'document', scope: 'private', value })
  expect((await review('verified')).status).toBe(200)
  expect(await standing()).toBe('3:active')
  expect((await review('rejected')).status).toBe(200)
  expect(await standing()).toBe('2:active')
})
