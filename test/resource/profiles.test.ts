import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labels, profiles, users } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { apiKeyHeaders, createApiKey, setUser, userId } from '../helpers/gateway.ts'
import { Client, lastEvent, register, seededApp } from '../helpers/http.ts'
import { RES, expectRefusal } from '../helpers/two-factor.ts'

const PROFILES = `${RES}/profiles`
const ALICE = { first_name: '  Alice   Marie ', last_name: "O'Neil-Smith", dob: '1990-04-01', address: 'Main st. 5, apt #3', postcode: 'AB-12', city: 'São Paulo', country: 'BR', metadata: '{"nationality":"BR"}' }

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const profileLabel = async (uid: string) => {
  const [l] = await t.deps.db.select().from(labels).where(and(eq(labels.userId, await userId(t, uid)), eq(labels.key, 'profile')))
  return l ? `${l.value}:${l.scope}` : null
}

describeGateCases('/resource/profiles/me', () => t, { method: 'GET', path: `${PROFILES}/me` })
describeGateCases('/resource/profiles', () => t, { method: 'POST', path: PROFILES, body: { first_name: 'Bob' } })
describeGateCases('/resource/profiles', () => t, { method: 'PUT', path: PROFILES, body: { first_name: 'Bob' }, control: false })

describe('POST /resource/profiles', () => {
  it('creates a drafted profile → 201 (names squished); label profile:drafted; event; the personal columns sealed at rest', async () => {
    const { client, body } = await register(t)
    const res = await client.post(PROFILES, ALICE)
    expect(res.status).toBe(201)
    const profile = await res.json()
    expect(profile).toEqual({
      first_name: 'Alice Marie', last_name: "O'Neil-Smith", dob: '1990-04-01', address: 'Main st. 5, apt #3', postcode: 'AB-12', city: 'São Paulo', country: 'BR',
      state: 'drafted', metadata: '{"nationality":"BR"}', created_at: expect.any(String), updated_at: expect.any(String),
    })
    expect(Object.keys(profile)).toEqual(['first_name', 'last_name', 'dob', 'address', 'postcode', 'city', 'country', 'state', 'metadata', 'created_at', 'updated_at'])
    expect(await profileLabel(body.uid)).toBe('drafted:private')
    expect((await lastEvent(t, 'profile.created'))?.record).toMatchObject({ user: { uid: body.uid }, first_name: 'Alice Marie', dob: '1990-04-01', country: 'BR' })
    const [row] = await t.deps.db.select().from(profiles).where(eq(profiles.userId, await userId(t, body.uid)))
    for (const plain of ['Alice', 'Neil', '1990', 'Main st']) expect(JSON.stringify([row!.firstName, row!.lastName, row!.dob, row!.address])).not.toContain(plain)
    expect(row!.city).toBe('São Paulo')
    // Every reader sees it opened: profiles/me and users/me.
    expect(await (await client.get(`${PROFILES}/me`)).json()).toEqual([profile])
    expect((await (await client.get(`${RES}/users/me`)).json()).profiles).toEqual([profile])
  })

  it('confirm → submitted, label profile:submitted; a second drafted or submitted profile → 422 state.exists, nothing written', async () => {
    const { client, body } = await register(t)
    const res = await client.post(PROFILES, { first_name: 'Carl', confirm: true })
    expect(res.status).toBe(201)
    expect((await res.json()).state).toBe('submitted')
    expect(await profileLabel(body.uid)).toBe('submitted:private')
    await expectRefusal(t, () => client.post(PROFILES, { first_name: 'Carl' }), 422, ['state.exists'])
  })

  it('after a verified profile the user may create another; users keep the user state and level', async () => {
    const { client, body } = await register(t)
    expect((await client.post(PROFILES, { first_name: 'Dora', confirm: true })).status).toBe(201)
    await t.deps.db.update(profiles).set({ state: 'verified' }).where(eq(profiles.userId, await userId(t, body.uid)))
    expect((await client.post(PROFILES, { first_name: 'Dora' })).status).toBe(201)
    expect((await t.deps.db.select().from(users).where(eq(users.uid, body.uid)))[0]).toMatchObject({ level: 0, state: 'pending' })
  })

  it('model errors in Barong’s order; parameter errors; nothing written', async () => {
    const { client } = await register(t)
    await expectRefusal(t, () => client.post(PROFILES, { first_name: 'Bob@', last_name: 'x'.repeat(256), city: 'Paris!', country: 'XX', postcode: 'A', address: 'a@b', metadata: '{nope' }), 422, [
      'first_name.invalid',
      'last_name.too_long',
      'city.invalid',
      'country.must have alpha2 or alpha3 format',
      'postcode.too_short',
      'address.invalid',
      'metadata.invalid_format',
    ])
    // Grape's type errors carry the bare key `invalid` (docs/barong-behaviour-notes.md#s4-0).
    await expectRefusal(t, () => client.post(PROFILES, { dob: '1990-02-30' }), 422, ['invalid'])
    await expectRefusal(t, () => client.post(PROFILES, { dob: '2999-01-01' }), 422, ['dob.invalid'])
    await expectRefusal(t, () => client.post(PROFILES, { confirm: 'maybe' }), 422, ['invalid'])
    await expectRefusal(t, () => client.post(PROFILES, { first_name: 'Bo\u0000b' }), 422, ['resource.profile.invalid_first_name'])
    await expectRefusal(t, () => client.post(PROFILES, { country: ['BR'] }), 422, ['invalid'])
  })

  it('alpha-3 countries are accepted; blank fields are not validated, as in Barong', async () => {
    const { client } = await register(t)
    const res = await client.post(PROFILES, { country: 'DEU', postcode: '', first_name: '   ' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ country: 'DEU', first_name: '', postcode: '' })
  })
})

describe('PUT /resource/profiles', () => {
  it('changes the drafted profile → 200; confirm submits it; then it is not editable (404)', async () => {
    const { client, body } = await register(t)
    await client.post(PROFILES, { first_name: 'Eve' })
    const changed = await client.request('PUT', PROFILES, { last_name: 'Adams', city: 'Berlin' })
    expect(changed.status).toBe(200)
    expect(await changed.json()).toMatchObject({ first_name: 'Eve', last_name: 'Adams', city: 'Berlin', state: 'drafted' })
    expect((await lastEvent(t, 'profile.updated'))?.record).toMatchObject({ user: { uid: body.uid }, last_name: 'Adams' })
    const submitted = await client.request('PUT', PROFILES, { confirm: true })
    expect(submitted.status).toBe(200)
    expect((await submitted.json()).state).toBe('submitted')
    expect(await profileLabel(body.uid)).toBe('submitted:private')
    await expectRefusal(t, () => client.request('PUT', PROFILES, { city: 'Rome' }), 404, ['resource.profile.doesnt_exist_or_not_editable'])
  })

  it('no profile → 404; model errors → 422, nothing changed', async () => {
    const { client } = await register(t)
    await expectRefusal(t, () => client.request('PUT', PROFILES, { city: 'Rome' }), 404, ['resource.profile.doesnt_exist_or_not_editable'])
    await client.post(PROFILES, { first_name: 'Finn' })
    await expectRefusal(t, () => client.request('PUT', PROFILES, { city: 'Rome$' }), 422, ['city.invalid'])
  })
})

describe('GET /resource/profiles/me', () => {
  it('[] without profiles; an API key of the user may read them', async () => {
    const { client, body } = await register(t)
    expect(await (await client.get(`${PROFILES}/me`)).json()).toEqual([])
    await client.post(PROFILES, { first_name: 'Gus' })
    await setUser(t, body.uid, { otp: true })
    const key = await createApiKey(t, await userId(t, body.uid))
    const res = await new Client(t).request('GET', `${PROFILES}/me`, undefined, apiKeyHeaders(key.kid, key.secret, t.clock.now()))
    expect(res.status).toBe(200)
    expect((await res.json()).map((p: { first_name: string }) => p.first_name)).toEqual(['Gus'])
  })
})

describe('the exchange front end’s date format', () => {
  it('baseapp sends the birth date day first (01/04/1990): read as Grape reads it, stored as 1990-04-01', async () => {
    const { client } = await register(t)
    const res = await client.post(PROFILES, { ...ALICE, dob: '01/04/1990', confirm: true })
    expect(res.status, await res.clone().text()).toBe(201)
    expect((await res.json()).dob).toBe('1990-04-01')
  })
})
