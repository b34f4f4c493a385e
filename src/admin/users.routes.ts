import type { Context } from 'hono'
import { z } from 'zod'
import { commit } from '../accounts/commit.ts'
import { presentUserWithProfile } from '../accounts/entities.ts'
import { userSchema, userWithKycSchema, userWithProfileSchema } from '../accounts/entity-schemas.ts'
import { deleteDataStorage } from '../accounts/data-storages.ts'
import { userPresenter, userWithKyc } from '../accounts/user-view.ts'
import { disableTwoFactor } from '../accounts/two-factor.ts'
import { setUserRole, setUserState } from '../accounts/user-changes.ts'
import { loadUserDetails } from '../accounts/user-details.ts'
import { roleExists } from '../accounts/user-repository.ts'
import { nameDigest } from '../accounts/profile-seal.ts'
import type { Deps } from '../deps.ts'
import type { Api, Caller } from '../http/api.ts'
import type { AppEnv } from '../http/env.ts'
import { AppError } from '../http/errors.ts'
import { pageParams, paginate } from '../http/paginate.ts'
import type { ParamsOf } from '../http/params.ts'
import type { User } from '../storage/schema/index.ts'
import { mayGrant, roleRank } from './abilities.ts'
import { recordAdminChange } from './admin-activity.ts'
import { guardSelf, guardSuperadmin, targetUser } from './targets.ts'
import { countPendingReviews, countUsers, pendingReviewsPage, USER_ORDER_COLUMNS, usersPage, type UserFilter, type UserOrderColumn } from './user-search.ts'

export type AdminUserDeps = Pick<Deps, 'config' | 'db' | 'store' | 'clock' | 'secrets' | 'relay' | 'logger' | 'authzCache'>

const PREFIX = 'admin.user'
const READ = { ability: { action: 'read', subject: 'User' } } as const
const UPDATE = { ability: { action: 'update', subject: 'User' } } as const
const NOT_PERMITTED = 'admin.ability.not_permitted'

const uidParam = { uid: { type: 'string', required: true, allowBlank: false, description: 'The user’s uid' } } as const

/** Barong's search parameters (docs/barong-behaviour-notes.md#s4-4-1); exact matches. */
const filterParams = {
  extended: { type: 'boolean', default: false, invalid: 'admin.user.non_boolean_extended', description: 'Answer UserWithProfile (listing) or UserWithKYC (pending documents)' },
  uid: { type: 'string' },
  email: { type: 'string' },
  role: { type: 'string' },
  first_name: { type: 'string', description: 'Matches a profile’s first name, case-insensitively' },
  last_name: { type: 'string', description: 'Matches a profile’s last name, case-insensitively' },
  country: { type: 'string', description: 'A profile’s country' },
  level: { type: 'integer' },
  state: { type: 'string' },
  range: { type: 'string', values: ['created', 'updated'], default: 'created', valueError: 'admin.user.invalid_range' },
  from: { type: 'integer', description: 'Unix seconds: users whose <range>_at is at or after' },
  to: { type: 'integer', description: 'Unix seconds: users whose <range>_at is at or before' },
  ...pageParams,
} as const

type FilterParams = ParamsOf<typeof filterParams>

/**
 * Staff reads and changes of users (docs/barong-behaviour-notes.md#s4-4-1). Every change checks Barong's guards in
 * Barong's order; on top, nobody changes a user ranked above them or gives a role above their own
 * (docs/differences-from-barong.md#d45).
 */
export function registerAdminUserRoutes(api: Api, deps: AdminUserDeps) {
  const filterOf = (p: FilterParams): UserFilter => ({
    uid: p.uid,
    email: p.email,
    role: p.role,
    level: p.level,
    state: p.state,
    country: p.country,
    firstNameDigest: p.first_name === undefined ? undefined : nameDigest(deps.secrets, p.first_name),
    lastNameDigest: p.last_name === undefined ? undefined : nameDigest(deps.secrets, p.last_name),
    range: p.range as 'created' | 'updated',
    from: p.from,
    to: p.to,
  })

  const presentPage = async (list: User[], extended: boolean) => {
    if (extended) {
      const details = await loadUserDetails(deps.db, deps.secrets, list)
      return list.map((u) => presentUserWithProfile(u, details.get(u.id)!))
    }
    return list.map(await userPresenter(deps.db, list))
  }

  api.add({
    method: 'get',
    path: '/admin/users',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Users, filtered and paginated (User, or UserWithProfile when extended)',
    auth: READ,
    params: {
      ...filterParams,
      ordering: { type: 'string', values: ['asc', 'desc'], default: 'asc', valueError: 'user.ordering.invalid_ordering' },
      order_by: { type: 'string', values: Object.keys(USER_ORDER_COLUMNS), default: 'id', valueError: 'user.ordering.invalid_attribute' },
    },
    response: z.array(z.union([userSchema, userWithProfileSchema])),
    errors: { 422: ['admin.user.non_boolean_extended', 'admin.user.invalid_range', 'user.ordering.invalid_ordering', 'user.ordering.invalid_attribute'] },
    handler: async (c, p) => {
      const f = filterOf(p)
      const order = { by: p.order_by as UserOrderColumn, dir: p.ordering as 'asc' | 'desc' }
      const rows = await paginate(c, p, { count: () => countUsers(deps.db, f), rows: (w) => usersPage(deps.db, f, order, w) })
      return c.json(await presentPage(rows, p.extended))
    },
  })

  api.add({
    method: 'get',
    path: '/admin/users/documents/pending',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Users whose documents wait for review (label document: pending or replaced), the longest waiting first',
    auth: READ,
    params: filterParams,
    response: z.array(z.union([userSchema, userWithProfileSchema])),
    errors: { 422: ['admin.user.non_boolean_extended', 'admin.user.invalid_range'] },
    handler: async (c, p) => {
      const f = filterOf(p)
      const rows = await paginate(c, p, { count: () => countPendingReviews(deps.db, f), rows: (w) => pendingReviewsPage(deps.db, f, w) })
      return c.json(await presentPage(rows, p.extended))
    },
  })

  /** The guards of a standing change, in Barong's order, then ours: the target may not outrank the caller. */
  const changeable = async (caller: Caller, uid: string): Promise<User> => {
    const target = await targetUser(deps.db, uid)
    guardSuperadmin(caller.user, target)
    guardSelf(caller.user, target)
    if (roleRank(deps.config.abilities, target.role) < roleRank(deps.config.abilities, caller.user.role)) throw new AppError(NOT_PERMITTED, 403)
    return target
  }

  const updateParams = {
    ...uidParam,
    state: { type: 'string', allowBlank: false, description: 'Any state (active, banned, …)' },
    otp: { type: 'boolean', allowBlank: false, description: 'Only false: staff can switch 2FA off, never on' },
  } as const

  const update = async (c: Context<AppEnv>, p: ParamsOf<typeof updateParams>, caller: Caller) => {
    if ((p.state === undefined) === (p.otp === undefined)) throw new AppError('admin.user.one_of_state_otp', 422)
    const target = await changeable(caller, p.uid)
    if (p.otp === true) throw new AppError('admin.user.enable_2fa', 422)
    if (p.state !== undefined && p.state === target.state) throw new AppError('admin.user.state_no_change', 422)
    if (p.otp !== undefined && p.otp === target.otp) throw new AppError('admin.user.otp_no_change', 422)
    await commit(deps, async (w) => {
      if (p.state !== undefined) await setUserState(w, target, p.state)
      else await disableTwoFactor(w, deps.config, target)
      const data = p.state !== undefined ? { state: p.state } : { otp: false }
      await recordAdminChange(w, c, caller.user, { topic: 'users', action: 'update', targetUid: target.uid, data })
    })
    return c.json(200, 200)
  }

  for (const [method, path] of [
    ['put', '/admin/users'],
    ['post', '/admin/users/update'],
  ] as const) {
    api.add({
      method,
      path,
      tag: 'admin',
      prefix: PREFIX,
      summary: 'Change a user’s state or switch their 2FA off (exactly one); API keys stop unless the user stays active with 2FA',
      auth: UPDATE,
      status: 200,
      params: updateParams,
      response: z.literal(200),
      errors: {
        403: [NOT_PERMITTED],
        404: ['admin.user.doesnt_exist'],
        422: ['admin.user.one_of_state_otp', 'admin.user.superadmin_change', 'admin.user.update_himself', 'admin.user.enable_2fa', 'admin.user.state_no_change', 'admin.user.otp_no_change'],
      },
      handler: update,
    })
  }

  api.add({
    method: 'post',
    path: '/admin/users/role',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Change a user’s role (one that exists in the permissions, not above the caller’s own)',
    auth: UPDATE,
    status: 200,
    params: { ...uidParam, role: { type: 'string', required: true, allowBlank: false, description: 'A role present in the permissions' } },
    response: z.literal(200),
    errors: {
      403: [NOT_PERMITTED],
      404: ['admin.user.doesnt_exist'],
      422: ['admin.user.superadmin_change', 'admin.user.update_himself', 'admin.user.role_no_change', 'role.doesnt_exist'],
    },
    handler: async (c, p, caller) => {
      const target = await changeable(caller, p.uid)
      if (p.role === target.role) throw new AppError('admin.user.role_no_change', 422)
      if (!(await roleExists(deps.db, p.role))) throw new AppError('role.doesnt_exist', 422)
      if (!mayGrant(deps.config.abilities, caller.user.role, p.role)) throw new AppError(NOT_PERMITTED, 403)
      await commit(deps, async (w) => {
        await setUserRole(w, target, p.role)
        await recordAdminChange(w, c, caller.user, { topic: 'users', action: 'update', targetUid: target.uid, data: { role: p.role, previous: target.role } })
      })
      return c.json(200, 200)
    },
  })
}

/**
 * `GET /admin/users/:uid` and the data-storage removal, which answer the staff's full view (UserWithKYC). Registered
 * after every `/admin/users/<word>` route, which take precedence over `:uid` (docs/barong-behaviour-notes.md#s4-4-1).
 */
export function registerAdminUserViewRoutes(api: Api, deps: AdminUserDeps) {
  api.add({
    method: 'delete',
    path: '/admin/users/data_storage',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Remove one of a user’s data storage records (and its `<title>` label, which Barong left behind)',
    auth: { ability: { action: 'destroy', subject: 'User' } },
    status: 200,
    params: { ...uidParam, title: { type: 'string', required: true, allowBlank: false, description: 'The record’s title' } },
    response: userWithKycSchema,
    errors: { 404: ['admin.user.doesnt_exist', 'admin.storage.doesnt_exist'] },
    handler: async (c, p, caller) => {
      const target = await targetUser(deps.db, p.uid)
      await commit(deps, async (w) => {
        if (!(await deleteDataStorage(w, deps.config, target, p.title))) throw new AppError('admin.storage.doesnt_exist', 404)
        await recordAdminChange(w, c, caller.user, { topic: 'users', action: 'delete', targetUid: target.uid, data: { data_storage: { title: p.title } } })
      })
      return c.json(await userWithKyc(deps, await targetUser(deps.db, p.uid)))
    },
  })

  api.add({
    method: 'get',
    path: '/admin/users/:uid',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'A user with profiles, labels, phones, documents, data storages and staff comments (UserWithKYC)',
    auth: READ,
    params: uidParam,
    response: userWithKycSchema,
    errors: { 404: ['admin.user.doesnt_exist'] },
    handler: async (c, p) => c.json(await userWithKyc(deps, await targetUser(deps.db, p.uid))),
  })
}
