import type { Context } from 'hono'
import { z } from 'zod'
import { countUserActivities, recordUserActivity, userActivitiesPage, type ActivityFilter } from '../accounts/activities.ts'
import { commit } from '../accounts/commit.ts'
import { presentActivity } from '../accounts/entities.ts'
import { activitySchema, userWithFullInfoSchema } from '../accounts/entity-schemas.ts'
import { upsertLabel } from '../accounts/labels.ts'
import { checkUserOtp } from '../accounts/otp.ts'
import { checkPassword } from '../accounts/password-strength.ts'
import { userEventRecordOf } from '../accounts/user-record.ts'
import { updateUser } from '../accounts/user-repository.ts'
import { checkUserData, passwordPolicyOf, setPassword } from '../accounts/users.ts'
import { userWithFullInfo } from '../accounts/user-view.ts'
import { verifyPassword } from '../crypto/password.ts'
import type { Deps } from '../deps.ts'
import type { Api, Caller } from '../http/api.ts'
import type { AppEnv } from '../http/env.ts'
import { AppError } from '../http/errors.ts'
import { pageParams, paginate } from '../http/paginate.ts'
import { requestMeta } from '../http/request-meta.ts'

export type UserDeps = Pick<Deps, 'config' | 'db' | 'store' | 'sessions' | 'clock' | 'secrets' | 'relay' | 'logger' | 'authzCache'>

const PREFIX = 'resource.user'
const TOPICS = ['all', 'session', 'otp', 'password', 'account'] as const

/** Activity reasons of a refused password change, Barong's words (docs/barong-behaviour-notes.md §7.1). */
const REASONS = {
  doesntMatch: 'New passwords don\'t match',
  prevNotCorrect: 'Previous password is not correct',
  noChange: 'New password cant be the same, as old one',
} as const

const required = { type: 'string', required: true, allowBlank: false } as const

// Unix seconds → a time of years 1..9999 (four-digit ISO years, which every driver writes): a bound beyond
// filters like the nearest one, as no activity lies out there.
const MIN_MS = -62_135_596_800_000 // 0001-01-01T00:00:00Z
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999)
const fromUnix = (s: number | undefined) => (s === undefined ? undefined : new Date(Math.min(MAX_MS, Math.max(MIN_MS, s * 1000))))

/** The signed-in user's account (docs/barong-behaviour-notes.md#s4-3-1). */
export function registerUserRoutes(api: Api, deps: UserDeps) {
  const now = () => new Date(deps.clock.now())
  /** A refused password change: its `failed` activity, then the error. */
  const passwordRefused = async (c: Context<AppEnv>, { user }: Caller, reason: string, error: AppError): Promise<never> => {
    await recordUserActivity(deps.db, requestMeta(c), { userId: user.id, topic: 'password', action: 'password change', result: 'failed', reason }, now())
    throw error
  }

  api.add({
    method: 'get',
    path: '/resource/users/me',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'The signed-in user with labels, phones, profiles and data storages',
    auth: 'user',
    response: userWithFullInfoSchema,
    handler: async (c, _p, { user }) => c.json(await userWithFullInfo(deps, user)),
  })

  api.add({
    method: 'put',
    path: '/resource/users/me',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Replace the user’s `data` (JSON text, at most 1024 characters)',
    auth: 'user',
    status: 201,
    params: { data: { ...required, description: 'Any additional key: value pairs as JSON text' } },
    response: userWithFullInfoSchema,
    errors: { 422: ['data.invalid_format', 'data.too_long'] },
    handler: async (c, p, { user }) => {
      const invalid = checkUserData(p.data)
      if (invalid.length) throw new AppError(invalid, 422)
      const updated = await commit(deps, async (w) => {
        const u = await updateUser(w.tx, user.id, { data: p.data, updatedAt: w.now })
        // `data` is not part of the event record: Barong emits the update with no changes (docs/barong-behaviour-notes.md §8).
        await w.event('model.user.updated', { record: await userEventRecordOf(w.tx, u), changes: {} })
        return u
      })
      return c.json(await userWithFullInfo(deps, updated), 201)
    },
  })

  api.add({
    method: 'delete',
    path: '/resource/users/me',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Delete the account: the private label `delete:by_user` makes its state `deleted`',
    auth: 'user',
    status: 200,
    params: {
      password: { ...required, description: 'The account password' },
      otp_code: { type: 'string', allowBlank: false, description: 'Current TOTP code, when 2FA is on' },
    },
    response: z.literal(200),
    errors: { 422: ['resource.user.invalid_password', 'resource.user.missing_otp_code', 'resource.user.invalid_otp'] },
    handler: async (c, p, { user }) => {
      if (!(await verifyPassword(user.passwordDigest, p.password))) throw new AppError('resource.user.invalid_password', 422)
      if (user.otp) {
        if (p.otp_code === undefined) throw new AppError('resource.user.missing_otp_code', 422)
        if (!(await checkUserOtp(deps.db, deps.secrets, user, p.otp_code.trim(), deps.clock.now()))) throw new AppError('resource.user.invalid_otp', 422)
      }
      await commit(deps, async (w) => {
        const { user: deleted } = await upsertLabel(w, deps.config, user, { key: 'delete', value: 'by_user', scope: 'private' })
        await w.event('system.user.account.deleted', { record: { user: await userEventRecordOf(w.tx, deleted) } })
      })
      return c.json(200, 200)
    },
  })

  api.add({
    method: 'get',
    path: '/resource/users/activity/:topic',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'The user’s activities, newest first; an empty result is an error, as in Barong',
    auth: 'user',
    params: {
      topic: { type: 'string', required: true, allowBlank: false, values: TOPICS, empty: 'resource.user.empty_topic', valueError: 'resource.user.wrong_topic', description: TOPICS.join(', ') },
      time_from: { type: 'integer', allowBlank: false, invalid: 'resource.user.non_integer_time_from', empty: 'resource.user.empty_time_from', description: 'Unix seconds: created at or after' },
      time_to: { type: 'integer', allowBlank: false, invalid: 'resource.user.non_integer_time_to', empty: 'resource.user.empty_time_to', description: 'Unix seconds: created before' },
      result: { type: 'string', allowBlank: false, invalid: 'resource.user.non_string_result', empty: 'resource.user.empty_result', description: 'succeed, failed or denied' },
      ...pageParams,
    },
    response: z.array(activitySchema),
    errors: { 422: ['resource.user.no_activity'] },
    handler: async (c, p, { user }) => {
      const filter: ActivityFilter = {
        userId: user.id,
        topic: p.topic === 'all' ? undefined : p.topic,
        from: fromUnix(p.time_from),
        to: fromUnix(p.time_to),
        result: p.result,
      }
      let total = 0
      const rows = await paginate(c, p, {
        count: async () => (total = await countUserActivities(deps.db, filter)),
        rows: (w) => userActivitiesPage(deps.db, filter, w),
      })
      // Barong checks the filtered set, not the page: a page past the end is still [].
      if (total === 0) throw new AppError('resource.user.no_activity', 422)
      return c.json(rows.map(presentActivity))
    },
  })

  api.add({
    method: 'put',
    path: '/resource/users/password',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Change the password; ends the user’s other sessions',
    auth: 'user',
    status: 201,
    params: { old_password: required, new_password: required, confirm_password: required },
    response: z.literal(201),
    errors: {
      400: ['resource.password.prev_pass_not_correct', 'resource.password.no_change_provided'],
      422: ['resource.password.doesnt_match', 'password.requirements', 'password.weak'],
    },
    handler: async (c, p, caller) => {
      const { user } = caller
      if (p.new_password !== p.confirm_password) await passwordRefused(c, caller, REASONS.doesntMatch, new AppError('resource.password.doesnt_match', 422))
      if (!(await verifyPassword(user.passwordDigest, p.old_password))) {
        await passwordRefused(c, caller, REASONS.prevNotCorrect, new AppError('resource.password.prev_pass_not_correct', 400))
      }
      if (p.old_password === p.new_password) await passwordRefused(c, caller, REASONS.noChange, new AppError('resource.password.no_change_provided', 400))
      const weak = checkPassword(p.new_password, passwordPolicyOf(deps.config))
      if (weak) await passwordRefused(c, caller, weak, new AppError(weak, 422))
      const meta = requestMeta(c)
      await commit(deps, async (w) => {
        const record = await setPassword(w, user, p.new_password)
        await recordUserActivity(w.tx, meta, { userId: user.id, topic: 'password', action: 'password change', result: 'succeed' }, w.now)
        await w.event('system.user.password.change', { record: { user: record, domain: deps.config.env.BARONG_DOMAIN } })
      })
      // Whoever holds another session of this account may have the old password.
      await deps.sessions.endAllOf(user.uid, caller.principal.sessionHash)
      return c.json(201, 201)
    },
  })
}
