import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labels, users } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { apiKeyHeaders, createApiKey, setUser, userId } from '../helpers/gateway.ts'
import { lastEvent, register, seededApp, type Client } from '../helpers/http.ts'
import { RES, expectRefusal } from '../helpers/two-factor.ts'

const LABELS = `${RES}/labels`

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const userRow = async (uid: string) => (await t.deps.db.select().from(users).where(eq(users.uid, uid)))[0]!
const patch = (client: Client, key: string, body: unknown) => client.request('PATCH', `${LABELS}/${key}`, body)
const labelRows = async (uid: string) => {
  const rows = await t.deps.db.select().from(labels).where(eq(labels.userId, (await userRow(uid)).id))
  return rows.map((l) => `${l.key}:${l.value}:${l.scope}`).sort()
}
/** A user with a private label `email:verified` (active, level 1) and a public label `color:green`. */
async function labelled() {
  const r = await register(t)
  const id = await userId(t, r.body.uid)
  // Made before anything the test clock times.
  const earlier = new Date(t.clock.now() - 60_000)
  await t.deps.db.insert(labels).values({ userId: id, key: 'email', value: 'verified', scope: 'private', createdAt: earlier, updatedAt: earlier })
  await setUser(t, r.body.uid, { state: 'active', level: 1 })
  expect((await r.client.post(LABELS, { key: 'color', value: 'green' })).status).toBe(201)
  return { ...r, id }
}

describeGateCases('/resource/labels', () => t, { method: 'GET', path: LABELS })
describeGateCases('/resource/labels/:key', () => t, { method: 'GET', path: `${LABELS}/color`, control: false })
describeGateCases('/resource/labels', () => t, { method: 'POST', path: LABELS, body: { key: 'color', value: 'green' } })
describeGateCases('/resource/labels/:key', () => t, { method: 'PATCH', path: `${LABELS}/color`, body: { value: 'blue' }, control: false })
describeGateCases('/resource/labels/:key', () => t, { method: 'DELETE', path: `${LABELS}/color`, control: false })

describe('GET /resource/labels', () => {
  it('lists all the user’s labels, public and private, in Label shape; ordering desc reverses', async () => {
    const { client } = await labelled()
    const res = await client.get(LABELS)
    expect(res.status).toBe(200)
    const list = await res.json()
    expect(list.map((l: { key: string; scope: string }) => `${l.key}:${l.scope}`)).toEqual(['email:private', 'color:public'])
    expect(Object.keys(list[0])).toEqual(['key', 'value', 'scope', 'created_at', 'updated_at'])
    const desc = await (await client.get(`${LABELS}?ordering=desc`)).json()
    expect(desc.map((l: { key: string }) => l.key)).toEqual(['color', 'email'])
  })

  it('an API key may read the list and one label', async () => {
    const { body } = await labelled()
    await setUser(t, body.uid, { otp: true })
    const key = await createApiKey(t, await userId(t, body.uid))
    const headers = () => ({ 'User-Agent': 'bot/1.0', ...apiKeyHeaders(key.kid, key.secret, t.clock.now()) })
    const list = await t.app.request(LABELS, { headers: headers() })
    expect(list.status).toBe(200)
    expect(await list.json()).toHaveLength(2)
    t.clock.advance(1000)
    const one = await t.app.request(`${LABELS}/email`, { headers: headers() })
    expect(await one.json()).toMatchObject({ key: 'email', value: 'verified', scope: 'private' })
  })
})

describe('GET /resource/labels/:key', () => {
  it('one label of any scope by key; unknown → 404 record.not_found', async () => {
    const { client } = await labelled()
    expect(await (await client.get(`${LABELS}/color`)).json()).toMatchObject({ key: 'color', value: 'green', scope: 'public' })
    expect(await (await client.get(`${LABELS}/EMAIL`)).json()).toMatchObject({ key: 'email', scope: 'private' })
    await expectRefusal(t, () => client.get(`${LABELS}/nothing`), 404, ['record.not_found'])
  })
})

describe('POST /resource/labels', () => {
  it('creates a public label, lower-cased and squished; model.label.created; state and level unchanged', async () => {
    const { client, body } = await labelled()
    const res = await client.post(LABELS, { key: '  Favourite_Food ', value: 'PIZZA' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ key: 'favourite_food', value: 'pizza', scope: 'public' })
    expect((await lastEvent(t, 'label.created'))?.record).toMatchObject({ key: 'favourite_food', value: 'pizza', user: { uid: body.uid } })
    // A public label named like a state trigger or a level changes nothing.
    expect((await client.post(LABELS, { key: 'ban', value: 'yes' })).status).toBe(201)
    expect((await client.post(LABELS, { key: 'phone', value: 'verified' })).status).toBe(201)
    expect(await userRow(body.uid)).toMatchObject({ state: 'active', level: 1 })
  })

  it('model errors → 422 in Barong’s order; parameter errors; nothing stored', async () => {
    const { client } = await labelled()
    await expectRefusal(t, () => client.post(LABELS, { key: 'Color', value: 'red' }), 422, ['key.taken'])
    await expectRefusal(t, () => client.post(LABELS, { key: 'ab', value: 'a b' }), 422, ['key.too_short', 'value.invalid'])
    await expectRefusal(t, () => client.post(LABELS, { key: 'no way', value: 'x'.repeat(256) }), 422, ['key.invalid', 'value.too_long'])
    await expectRefusal(t, () => client.post(LABELS, { key: 'colour!', value: 'ok' }), 422, ['key.invalid', 'value.too_short'])
    await expectRefusal(t, () => client.post(LABELS, {}), 422, ['resource.label.missing_key', 'resource.label.empty_key', 'resource.label.missing_value', 'resource.label.empty_value'])
  })

  it('a public label may share its key with a private one', async () => {
    const { client, body } = await labelled()
    expect((await client.post(LABELS, { key: 'email', value: 'mine' })).status).toBe(201)
    expect(await labelRows(body.uid)).toEqual(['color:green:public', 'email:mine:public', 'email:verified:private'])
  })

  it('concurrent creates of one key: one 201, the others 422 key.taken, never a 500', async () => {
    const { client, body } = await register(t)
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => client.post(LABELS, { key: 'race', value: `value${i}` })))
    const statuses = answers.map((a) => a.status).sort()
    expect(statuses).toEqual([201, 422, 422, 422, 422, 422])
    for (const a of answers.filter((x) => x.status === 422)) expect(await a.json()).toEqual({ errors: ['key.taken'] })
    expect((await labelRows(body.uid)).filter((l) => l.startsWith('race:'))).toHaveLength(1)
  })
})

describe('PATCH /resource/labels/:key', () => {
  it('changes a public label’s value → 200; model.label.updated', async () => {
    const { client, body } = await labelled()
    const res = await patch(client, 'color', { value: 'Blue' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ key: 'color', value: 'blue', scope: 'public' })
    expect((await lastEvent(t, 'label.updated'))?.record).toMatchObject({ key: 'color', value: 'blue', user: { uid: body.uid } })
    expect(await labelRows(body.uid)).toEqual(['color:blue:public', 'email:verified:private'])
  })

  it('a private label → 400 resource.labels.private; unknown → 404; a bad value → 422 (Barong answered 200); nothing changed', async () => {
    const { client } = await labelled()
    await expectRefusal(t, () => patch(client, 'email', { value: 'unverified' }), 400, ['resource.labels.private'])
    await expectRefusal(t, () => patch(client, 'nothing', { value: 'blue' }), 404, ['record.not_found'])
    await expectRefusal(t, () => patch(client, 'color', { value: 'no' }), 422, ['value.too_short'])
    await expectRefusal(t, () => patch(client, 'color', {}), 422, ['resource.label.missing_value', 'resource.label.empty_value'])
  })

  it('with a public and a private label of the same key, the public one is changed', async () => {
    const { client, body } = await labelled()
    expect((await client.post(LABELS, { key: 'email', value: 'mine' })).status).toBe(201)
    expect((await patch(client, 'email', { value: 'yours' })).status).toBe(200)
    expect(await labelRows(body.uid)).toEqual(['color:green:public', 'email:verified:private', 'email:yours:public'])
    expect((await client.delete(`${LABELS}/email`)).status).toBe(204)
    expect(await labelRows(body.uid)).toEqual(['color:green:public', 'email:verified:private'])
  })
})

describe('DELETE /resource/labels/:key', () => {
  it('deletes a public label → 204; state and level unchanged', async () => {
    const { client, body, id } = await labelled()
    const res = await client.delete(`${LABELS}/color`)
    expect(res.status).toBe(204)
    expect(await res.text()).toBe('')
    expect(await t.deps.db.select().from(labels).where(and(eq(labels.userId, id), eq(labels.key, 'color')))).toEqual([])
    expect(await userRow(body.uid)).toMatchObject({ state: 'active', level: 1 })
  })

  it('a private label → 400 resource.labels.private; unknown → 404; nothing changed', async () => {
    const { client } = await labelled()
    await expectRefusal(t, () => client.delete(`${LABELS}/email`), 400, ['resource.labels.private'])
    await expectRefusal(t, () => client.delete(`${LABELS}/nothing`), 404, ['record.not_found'])
  })
})
