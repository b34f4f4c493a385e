import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { count } from 'drizzle-orm'
import { userActivityRow } from '../../src/accounts/activities.ts'
import { append, commit } from '../../src/accounts/commit.ts'
import { upsertLabel } from '../../src/accounts/labels.ts'
import { findUserByUid } from '../../src/accounts/user-repository.ts'
import { seed } from '../../src/cli/seed.ts'
import { activities, eventOutbox } from '../../src/storage/schema/index.ts'
import type { TestApp } from '../helpers/app.ts'
import { AUTH, apiKeyHeaders, createApiKey, setUser, userId } from '../helpers/gateway.ts'
import { register, seededApp } from '../helpers/http.ts'
import { pollUntil } from '../helpers/live.ts'

const ME = `${AUTH}/api/v2/barong/resource/users/me`

describe('a label change that ends a user being active', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await seededApp()
  })
  afterAll(async () => t?.close())

  const setEmailLabel = async (uid: string, value: string) => {
    const user = (await findUserByUid(t.deps.db, uid))!
    return commit(t.deps, (w) => upsertLabel(w, t.deps.config, user, { key: 'email', value, scope: 'private' }))
  }
  const signed = (key: { kid: string; secret: string }) => {
    t.clock.advance(1) // a fresh nonce each time: nonces are single use
    return t.request(ME, { headers: { 'User-Agent': 'bot/1.0', ...apiKeyHeaders(key.kid, key.secret, t.clock.now()) } })
  }

  it('deactivates the API keys in the gateway too: the next signed request is refused', async () => {
    const { body } = await register(t)
    await setUser(t, body.uid, { otp: true })
    const key = await createApiKey(t, await userId(t, body.uid))
    expect((await setEmailLabel(body.uid, 'verified')).user.state).toBe('active')
    expect((await signed(key)).status).toBe(200)

    // Back to pending: a pending owner passes the gate, so only the key's state can refuse the request.
    const { user } = await setEmailLabel(body.uid, 'rejected')
    expect(user.state).toBe('pending')
    const res = await signed(key)
    expect(res.status).toBe(401)
    expect((await res.json()).errors).toEqual(['authz.apikey_not_active'])
  })

  it('a label write that changes nothing for the gateway leaves the keys alone', async () => {
    const { body } = await register(t)
    await setUser(t, body.uid, { otp: true })
    const key = await createApiKey(t, await userId(t, body.uid))
    await setEmailLabel(body.uid, 'verified')
    const user = (await findUserByUid(t.deps.db, body.uid))!
    await commit(t.deps, (w) => upsertLabel(w, t.deps.config, user, { key: 'nickname', value: 'x', scope: 'public' }))
    expect((await signed(key)).status).toBe(200)
  })
})

describe('barong seed into the database of a running instance', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await seededApp({ BARONG_RULES_REFRESH_INTERVAL: '1' })
  })
  afterAll(async () => t?.close())

  it('new restrictions take effect without a restart', async () => {
    const { client } = await register(t)
    client.ip = '10.1.8.7' // the session's /16, so only the restriction can refuse it
    expect((await client.get(ME)).status).toBe(200)
    const report = await seed(t.deps.db, t.deps.config, {
      levels: [],
      permissions: [],
      restrictions: [{ category: 'blacklist', scope: 'ip', value: '10.1.8.7', state: 'enabled' }],
      users: [],
    })
    expect(report.restrictions).toBe(1)
    const denied = await pollUntil(() => client.get(ME), (r) => r.status !== 200, 5_000)
    expect(denied.ok).toBe(true)
    expect(denied.value.status).toBe(401)
    expect((await denied.value.json()).errors).toEqual(['authz.restrict.blacklist'])
  })

  it('new permissions take effect without a restart (their version is bumped)', async () => {
    const { client } = await register(t)
    expect((await client.get(ME)).status).toBe(200)
    // As the CLI runs it: no store, no cache of the running instance, only the database.
    const report = await seed(t.deps.db, t.deps.config, {
      levels: [],
      permissions: [{ role: 'member', verb: 'get', path: 'api/v2/barong/resource/users/me', action: 'drop' }],
      restrictions: [],
      users: [],
    })
    expect(report.permissions).toBe(1)
    const denied = await pollUntil(() => client.get(ME), (r) => r.status === 401, 5_000)
    expect(denied.ok).toBe(true)
    expect((await denied.value.json()).errors).toEqual(['authz.invalid_permission'])
  })
})

describe('rows a change only adds (append)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await seededApp()
  })
  afterAll(async () => t?.close())

  const counts = async () => {
    const [[a], [e]] = await Promise.all([t.deps.db.select({ n: count() }).from(activities), t.deps.db.select({ n: count() }).from(eventOutbox)])
    return { acts: a!.n, evs: e!.n }
  }
  const activity = (userId: number) => userActivityRow({ ip: '10.1.1.1', ua: 'test' }, { userId, topic: 'session', action: 'login', result: 'succeed' }, new Date())

  it('writes the activities and the events together, or neither', async () => {
    const { body } = await register(t)
    const id = await userId(t, body.uid)
    const before = await counts()
    await append(t.deps, { activities: [activity(id)], events: [{ name: 'system.session.create', body: { record: { uid: body.uid } } }] })
    expect(await counts()).toEqual({ acts: before.acts + 1, evs: before.evs + 1 })
    // The event fails (jsonb refuses \u0000) after the activity went in: the one statement takes the activity back.
    await expect(append(t.deps, { activities: [activity(id)], events: [{ name: 'system.session.create', body: { bad: '\u0000' } }] })).rejects.toThrow()
    expect(await counts()).toEqual({ acts: before.acts + 1, evs: before.evs + 1 })
  })
})
