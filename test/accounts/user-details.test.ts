import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commit } from '../../src/accounts/commit.ts'
import { presentUserWithFullInfo } from '../../src/accounts/entities.ts'
import { upsertLabel } from '../../src/accounts/labels.ts'
import { loadUserDetails } from '../../src/accounts/user-details.ts'
import { findUserByUid } from '../../src/accounts/user-repository.ts'
import type { TestApp } from '../helpers/app.ts'
import { ID, register, seededApp } from '../helpers/http.ts'

describe('loading many users for a full view', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await seededApp()
  })
  afterAll(async () => t?.close())

  it('loads each user its own rows and referrer, in one batch, as the single-user answer shows them', async () => {
    const referrer = await register(t)
    const a = await register(t, undefined, undefined, { refid: referrer.body.uid })
    const b = await register(t)
    const users = await Promise.all([a, b, referrer].map(async (r) => (await findUserByUid(t.deps.db, r.body.uid))!))
    await commit(t.deps, (w) => upsertLabel(w, t.deps.config, users[0]!, { key: 'tier', value: 'gold', scope: 'public' }))

    const details = await loadUserDetails(t.deps.db, t.deps.secrets, users)
    expect(details.get(users[0]!.id)).toMatchObject({ referralUid: referrer.body.uid, labels: [{ key: 'tier', value: 'gold' }] })
    expect(details.get(users[1]!.id)).toMatchObject({ referralUid: null, labels: [] })
    expect(details.get(users[2]!.id)).toMatchObject({ referralUid: null, labels: [] })

    // The same shape the HTTP answer of a login has (login adds only the CSRF token).
    const login = await (await a.client.post(`${ID}/sessions`, { email: a.email, password: a.password })).json()
    const { csrf_token: _csrf, ...viaHttp } = login
    const user = (await findUserByUid(t.deps.db, a.body.uid))!
    expect(presentUserWithFullInfo(user, (await loadUserDetails(t.deps.db, t.deps.secrets, [user])).get(user.id)!)).toEqual(viaHttp)
    expect(await loadUserDetails(t.deps.db, t.deps.secrets, [])).toEqual(new Map())
    // A user whose row is gone by the time its details are read gets an empty view, as before.
    const gone = { ...user, id: 999_999_999 }
    expect((await loadUserDetails(t.deps.db, t.deps.secrets, [gone])).get(gone.id)).toEqual({ referralUid: null, labels: [], phones: [], profiles: [], dataStorages: [] })
  })
})
