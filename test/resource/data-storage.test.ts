import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dataStorages, labels, users } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { setUser, userId } from '../helpers/gateway.ts'
import { lastEvent, register, seededApp } from '../helpers/http.ts'
import { RES, expectRefusal } from '../helpers/two-factor.ts'

const STORAGE = `${RES}/data_storage`
const TITLES = ['personal', 'Bank Details', 'email', 'ab', 'document', 'other']

let t: TestApp
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'barong-storage-'))
  writeFileSync(join(dir, 'barong.yml'), `user_storage_titles: ${JSON.stringify(TITLES)}\n`)
  t = await seededApp({ BARONG_CONFIG: join(dir, 'barong.yml') })
})
afterAll(async () => t?.close())

const rowsOf = async (uid: string) => {
  const id = await userId(t, uid)
  const stored = await t.deps.db.select().from(dataStorages).where(eq(dataStorages.userId, id))
  const ls = await t.deps.db.select().from(labels).where(eq(labels.userId, id))
  return { stored: stored.map((d) => `${d.title}=${d.data}`).sort(), labels: ls.map((l) => `${l.key}:${l.value}:${l.scope}`).sort() }
}

describeGateCases('/resource/data_storage', () => t, { method: 'POST', path: STORAGE, body: { title: 'other', data: '{}' } })

describe('POST /resource/data_storage', () => {
  it('stores the document → 201; model.data_storage.created; private label <title>:recorded; users/me shows it', async () => {
    const { client, body } = await register(t)
    const res = await client.post(STORAGE, { title: 'personal', data: '{"hobby":"chess"}' })
    expect(res.status).toBe(201)
    expect(await res.json()).toBe(201)
    expect(await rowsOf(body.uid)).toEqual({ stored: ['personal={"hobby":"chess"}'], labels: ['personal:recorded:private'] })
    expect((await lastEvent(t, 'data_storage.created'))?.record).toEqual({
      user: expect.objectContaining({ uid: body.uid }),
      title: 'personal',
      data: '{"hobby":"chess"}',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    })
    const me = await (await client.get(`${RES}/users/me`)).json()
    expect(me.data_storages).toEqual([{ title: 'personal', data: '{"hobby":"chess"}', created_at: expect.any(String), updated_at: expect.any(String) }])
  })

  it('no label when the title is no valid label key, or would overwrite a private label', async () => {
    const { client, body } = await register(t)
    await t.deps.db.insert(labels).values({ userId: await userId(t, body.uid), key: 'email', value: 'verified', scope: 'private' })
    await setUser(t, body.uid, { state: 'active', level: 1 })
    for (const title of ['Bank Details', 'email', 'ab']) expect((await client.post(STORAGE, { title, data: '[1]' })).status).toBe(201)
    expect(await rowsOf(body.uid)).toEqual({ stored: ['Bank Details=[1]', 'ab=[1]', 'email=[1]'], labels: ['email:verified:private'] })
    expect((await t.deps.db.select().from(users).where(eq(users.uid, body.uid)))[0]).toMatchObject({ state: 'active', level: 1 })
  })

  it('model errors in Barong’s order; parameter errors; nothing stored', async () => {
    const { client } = await register(t)
    expect((await client.post(STORAGE, { title: 'personal', data: '{}' })).status).toBe(201)
    await expectRefusal(t, () => client.post(STORAGE, { title: 'PERSONAL', data: '{}' }), 422, ['title.taken', 'title.inclusion'])
    await expectRefusal(t, () => client.post(STORAGE, { title: 'personal', data: '{}' }), 422, ['title.taken'])
    await expectRefusal(t, () => client.post(STORAGE, { title: 'secret', data: 'nope' }), 422, ['data.invalid_format', 'title.inclusion'])
    await expectRefusal(t, () => client.post(STORAGE, { title: 'document', data: JSON.stringify('x'.repeat(5200)) }), 422, ['data.too_long', 'title.exclusion'])
    await expectRefusal(t, () => client.post(STORAGE, { title: 'profile', data: '{}' }), 422, ['title.inclusion', 'title.exclusion'])
    await expectRefusal(t, () => client.post(STORAGE, { title: ' ' }), 422, [
      'resource.datastorage.empty_title',
      'resource.datastorage.missing_data',
      'resource.datastorage.empty_data',
    ])
  })

  it('with no titles configured (the default) every title is refused', async () => {
    const bare = await seededApp()
    try {
      const { client } = await register(bare)
      await expectRefusal(bare, () => client.post(STORAGE, { title: 'personal', data: '{}' }), 422, ['title.inclusion'])
    } finally {
      await bare.close()
    }
  })
})
