import { and, asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyPassword } from '../../src/crypto/password.ts'
import { activities, apiKeys, dataStorages, labels, users } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { describeGateCases } from '../helpers/gate-cases.ts'
import { apiKeyHeaders, createApiKey, setUser, userId } from '../helpers/gateway.ts'
import { Client, ID, STRONG, lastEvent, register, seededApp } from '../helpers/http.ts'
import { RES, enableTwoFactor, expectRefusal } from '../helpers/two-factor.ts'

const ME = `${RES}/users/me`
const PASSWORD = `${RES}/users/password`
const ACTIVITY = `${RES}/users/activity`
const NEW = 'Iequ4geiEWQw'

let t: TestApp
beforeAll(async () => {
  t = await seededApp()
})
afterAll(async () => t?.close())

const userRow = async (uid: string) => (await t.deps.db.select().from(users).where(eq(users.uid, uid)))[0]!
const put = (client: Client, path: string, body: unknown) => client.request('PUT', path, body)
const passwordActivities = async (uid: string) =>
  t.deps.db
    .select({ action: activities.action, result: activities.result, data: activities.data })
    .from(activities)
    .where(and(eq(activities.userId, (await userRow(uid)).id), eq(activities.topic, 'password')))
    .orderBy(asc(activities.id))

/** A second, separate session of the same account. */
async function signIn(email: string, password: string): Promise<Client> {
  const c = new Client(t)
  const res = await c.post(`${ID}/sessions`, { email, password })
  expect(res.status, await res.clone().text()).toBe(200)
  c.csrf = (await res.json()).csrf_token
  return c
}

describeGateCases('/resource/users/me', () => t, { method: 'GET', path: ME })
describeGateCases('/resource/users/me', () => t, { method: 'PUT', path: ME, body: { data: '{"language":"en"}' } })
describeGateCases('/resource/users/me', () => t, { method: 'DELETE', path: ME, body: { password: STRONG } })
describeGateCases('/resource/users/password', () => t, { method: 'PUT', path: PASSWORD, body: { old_password: STRONG, new_password: NEW, confirm_password: NEW } })
describeGateCases('/resource/users/activity/:topic', () => t, { method: 'GET', path: `${ACTIVITY}/all` })

describe('GET /resource/users/me', () => {
  it('UserWithFullInfo in Barong’s field order, with labels, phones, profiles and data storages; no csrf_token', async () => {
    const { client, body, email } = await register(t)
    const u = await userRow(body.uid)
    await t.deps.db.insert(labels).values({ userId: u.id, key: 'email', value: 'verified', scope: 'private' })
    await t.deps.db.insert(dataStorages).values({ userId: u.id, title: 'notes', data: '{"a":1}' })
    const res = await client.get(ME)
    expect(res.status).toBe(200)
    const me = await res.json()
    expect(Object.keys(me)).toEqual(['email', 'uid', 'role', 'level', 'otp', 'state', 'referral_uid', 'data', 'created_at', 'updated_at', 'labels', 'phones', 'profiles', 'data_storages'])
    expect(me).toMatchObject({ email, uid: body.uid, role: 'member', level: 0, otp: false, state: 'pending', referral_uid: null, data: null, phones: [], profiles: [] })
    expect(me.labels).toEqual([{ key: 'email', value: 'verified', scope: 'private', created_at: expect.any(String), updated_at: expect.any(String) }])
    expect(me.data_storages).toEqual([{ title: 'notes', data: '{"a":1}', created_at: expect.any(String), updated_at: expect.any(String) }])
  })

  it('an API key may read it', async () => {
    const { body } = await register(t)
    await setUser(t, body.uid, { otp: true })
    const key = await createApiKey(t, await userId(t, body.uid))
    const res = await t.app.request(ME, { headers: { 'User-Agent': 'bot/1.0', ...apiKeyHeaders(key.kid, key.secret, t.clock.now()) } })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ uid: body.uid, otp: true })
  })
})

describe('PUT /resource/users/me', () => {
  it('stores data → 201 UserWithFullInfo; model.user.updated with no changes', async () => {
    const { client, body } = await register(t)
    const res = await put(client, ME, { data: '{"language":"fr"}' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ uid: body.uid, data: '{"language":"fr"}', labels: [] })
    expect((await userRow(body.uid)).data).toBe('{"language":"fr"}')
    expect(await lastEvent(t, 'user.updated')).toMatchObject({ record: { uid: body.uid }, changes: {} })
  })

  it('errors: missing or blank data, not JSON, over 1024 characters; nothing changed', async () => {
    const { client } = await register(t)
    await expectRefusal(t, () => put(client, ME, {}), 422, ['resource.user.missing_data', 'resource.user.empty_data'])
    await expectRefusal(t, () => put(client, ME, { data: '  ' }), 422, ['resource.user.empty_data'])
    await expectRefusal(t, () => put(client, ME, { data: '{nope' }), 422, ['data.invalid_format'])
    await expectRefusal(t, () => put(client, ME, { data: JSON.stringify('x'.repeat(1100)) }), 422, ['data.too_long'])
  })
})

describe('DELETE /resource/users/me', () => {
  it('the right password → 200; private label delete:by_user, state deleted, API keys off, system.user.account.deleted', async () => {
    const { client, body } = await register(t)
    const id = await userId(t, body.uid)
    await createApiKey(t, id)
    const res = await client.delete(ME, { password: STRONG })
    expect(res.status).toBe(200)
    expect(await res.json()).toBe(200)
    expect((await userRow(body.uid)).state).toBe('deleted')
    const rows = await t.deps.db.select().from(labels).where(eq(labels.userId, id))
    expect(rows.map((l) => `${l.key}:${l.value}:${l.scope}`)).toEqual(['delete:by_user:private'])
    expect((await t.deps.db.select().from(apiKeys).where(eq(apiKeys.userId, id))).map((k) => k.state)).toEqual(['inactive'])
    expect((await lastEvent(t, 'user.account.deleted'))?.record).toEqual({ user: expect.objectContaining({ uid: body.uid, state: 'deleted' }) })
    // A deleted user no longer passes the gate.
    expect((await client.get(ME)).status).toBe(401)
  })

  it('a wrong or missing password → 422; nothing changed', async () => {
    const { client } = await register(t)
    await expectRefusal(t, () => client.delete(ME, { password: 'Wrong-pass-42' }), 422, ['resource.user.invalid_password'])
    await expectRefusal(t, () => client.delete(ME, {}), 422, ['resource.user.missing_password', 'resource.user.empty_password'])
    await expectRefusal(t, () => client.delete(ME, { password: STRONG, otp_code: '' }), 422, ['resource.user.empty_otp_code'])
  })

  it('with 2FA on: the code is required and checked; the right one deletes', async () => {
    const { client, body } = await register(t)
    const auth = await enableTwoFactor(t, client)
    await expectRefusal(t, () => client.delete(ME, { password: STRONG }), 422, ['resource.user.missing_otp_code'])
    await expectRefusal(t, () => client.delete(ME, { password: STRONG, otp_code: auth.wrong() }), 422, ['resource.user.invalid_otp'])
    // The password is checked first.
    await expectRefusal(t, () => client.delete(ME, { password: 'Wrong-pass-42', otp_code: auth.wrong() }), 422, ['resource.user.invalid_password'])
    expect((await client.delete(ME, { password: STRONG, otp_code: auth.next() })).status).toBe(200)
    expect((await userRow(body.uid)).state).toBe('deleted')
  })
})

describe('PUT /resource/users/password', () => {
  const change = (client: Client, old_password: string, new_password: string, confirm_password = new_password) => put(client, PASSWORD, { old_password, new_password, confirm_password })

  it('changes it → 201; activity, events, the other sessions ended, this one kept; the new password signs in', async () => {
    const { client, body, email } = await register(t)
    const other = await signIn(email, STRONG)
    expect((await other.get(ME)).status).toBe(200)
    const res = await change(client, STRONG, NEW)
    expect(res.status).toBe(201)
    expect(await res.json()).toBe(201)
    expect(await verifyPassword((await userRow(body.uid)).passwordDigest, NEW)).toBe(true)
    expect(await passwordActivities(body.uid)).toEqual([{ action: 'password change', result: 'succeed', data: null }])
    expect((await lastEvent(t, 'user.password.change'))?.record).toEqual({ user: expect.objectContaining({ uid: body.uid, email }), domain: t.deps.config.env.BARONG_DOMAIN })
    expect(await lastEvent(t, 'user.updated')).toMatchObject({ record: { uid: body.uid }, changes: {} })
    expect((await client.get(ME)).status).toBe(200)
    expect((await other.get(ME)).status).toBe(401)
    await signIn(email, NEW)
  })

  it('in Barong’s order: mismatch 422, wrong old 400, no change 400, policy 422; each a failed activity, nothing else', async () => {
    const { client, body } = await register(t)
    await expectRefusal(t, () => change(client, 'Wrong-pass-42', NEW, `${NEW}x`), 422, ['resource.password.doesnt_match'])
    await expectRefusal(t, () => change(client, 'Wrong-pass-42', STRONG), 400, ['resource.password.prev_pass_not_correct'])
    await expectRefusal(t, () => change(client, STRONG, STRONG), 400, ['resource.password.no_change_provided'])
    await expectRefusal(t, () => change(client, STRONG, 'Password1123'), 422, ['password.weak'])
    await expectRefusal(t, () => change(client, STRONG, 'short'), 422, ['password.requirements'])
    await expectRefusal(t, () => put(client, PASSWORD, { old_password: '', new_password: NEW }), 422, [
      'resource.user.empty_old_password',
      'resource.user.missing_confirm_password',
      'resource.user.empty_confirm_password',
    ])
    expect((await passwordActivities(body.uid)).map((a) => JSON.parse(a.data!).reason)).toEqual([
      'New passwords don\'t match',
      'Previous password is not correct',
      'New password cant be the same, as old one',
      'password.weak',
      'password.requirements',
    ])
    expect(await verifyPassword((await userRow(body.uid)).passwordDigest, STRONG)).toBe(true)
  })
})

describe('GET /resource/users/activity/:topic', () => {
  /** A user with one activity per topic at known times: signup (account) at T, a password failure at T+100 s, a 2FA QR code at T+200 s. */
  async function withActivities() {
    const { client, body } = await register(t)
    const signup = (await t.deps.db.select().from(activities).where(eq(activities.userId, await userId(t, body.uid))))[0]!
    t.clock.advance(100_000)
    await put(client, PASSWORD, { old_password: 'Wrong-pass-42', new_password: NEW, confirm_password: NEW })
    t.clock.advance(100_000)
    expect((await client.post(`${RES}/otp/generate_qrcode`)).status).toBe(201)
    return { client, t0: Math.floor(signup.createdAt.getTime() / 1000) }
  }
  const actions = async (res: Response) => {
    expect(res.status, await res.clone().text()).toBe(200)
    return ((await res.json()) as Array<{ action: string }>).map((a) => a.action)
  }

  it('all topics, newest first, in the Activity entity; Total, Page, Per-Page', async () => {
    const { client } = await withActivities()
    const res = await client.get(`${ACTIVITY}/all`)
    expect(res.status).toBe(200)
    expect([res.headers.get('total'), res.headers.get('page'), res.headers.get('per-page')]).toEqual(['3', '1', '100'])
    const rows = await res.json()
    expect(rows.map((a: { action: string }) => a.action)).toEqual(['request QR code for 2FA', 'password change', 'signup'])
    expect(Object.keys(rows[0])).toEqual(['id', 'user_ip', 'user_ip_country', 'user_agent', 'topic', 'action', 'result', 'data', 'created_at'])
    expect(rows[1]).toMatchObject({ topic: 'password', result: 'failed', user_ip: '10.1.2.3', data: JSON.stringify({ reason: 'Previous password is not correct' }) })
    const paged = await client.get(`${ACTIVITY}/all?limit=1&page=2`)
    expect(await actions(paged)).toEqual(['password change'])
    expect(paged.headers.get('total')).toBe('3')
    expect(paged.headers.get('link')).toContain('rel="next"')
    // A page past the end of a non-empty result is an empty page.
    const past = await client.get(`${ACTIVITY}/all?page=9`)
    expect(past.status).toBe(200)
    expect(await past.json()).toEqual([])
  })

  it('filters by topic, time_from (inclusive), time_to (exclusive) and result', async () => {
    const { client, t0 } = await withActivities()
    expect(await actions(await client.get(`${ACTIVITY}/account`))).toEqual(['signup'])
    expect(await actions(await client.get(`${ACTIVITY}/all?time_from=${t0 + 100}`))).toEqual(['request QR code for 2FA', 'password change'])
    expect(await actions(await client.get(`${ACTIVITY}/all?time_to=${t0 + 100}`))).toEqual(['signup'])
    expect(await actions(await client.get(`${ACTIVITY}/all?result=failed`))).toEqual(['password change'])
    expect(await actions(await client.get(`${ACTIVITY}/all?time_from=-99999999999999&time_to=999999999999999`))).toHaveLength(3)
  })

  it('errors: unknown topic, bad filters, nothing found → 422 with Barong’s keys', async () => {
    const { client } = await withActivities()
    await expectRefusal(t, () => client.get(`${ACTIVITY}/logins`), 422, ['resource.user.wrong_topic'])
    await expectRefusal(t, () => client.get(`${ACTIVITY}/all?time_from=soon&time_to=`), 422, ['resource.user.non_integer_time_from', 'resource.user.empty_time_to'])
    await expectRefusal(t, () => client.get(`${ACTIVITY}/all?result=`), 422, ['resource.user.empty_result'])
    await expectRefusal(t, () => client.get(`${ACTIVITY}/session`), 422, ['resource.user.no_activity'])
    await expectRefusal(t, () => client.get(`${ACTIVITY}/all?result=denied`), 422, ['resource.user.no_activity'])
  })
})
