import { asc, count } from 'drizzle-orm'
import { z } from 'zod'
import { commit } from '../accounts/commit.ts'
import { presentProfile } from '../accounts/entities.ts'
import { profileSchema } from '../accounts/entity-schemas.ts'
import { openProfile } from '../accounts/profile-seal.ts'
import { createProfile, setProfileState, submittedProfile } from '../accounts/profiles.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { pageParams, paginate } from '../http/paginate.ts'
import { inputOf, modelChecked, PROFILE_MODEL_ERRORS, profileFields } from '../resource/profile-params.ts'
import { profiles } from '../storage/schema/index.ts'
import { recordAdminChange } from './admin-activity.ts'
import { guardSuperadmin, targetUser } from './targets.ts'
import type { AdminUserDeps } from './users.routes.ts'

const PREFIX = 'admin.profiles'
const REVIEW_STATES = ['verified', 'rejected', 'drafted', 'submitted'] as const
const { confirm: _confirm, ...fields } = profileFields

/**
 * KYC review (docs/barong-behaviour-notes.md#s4-4-4): staff list profiles, create one for a user (submitted, with
 * themselves as author) and decide a submitted one; the `profile` label, level and events follow.
 */
export function registerAdminProfileRoutes(api: Api, deps: AdminUserDeps) {
  api.add({
    method: 'get',
    path: '/admin/profiles',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Every profile, in creation order',
    auth: { ability: { action: 'read', subject: 'Profile' } },
    params: pageParams,
    response: z.array(profileSchema),
    handler: async (c, p) => {
      const rows = await paginate(c, p, {
        count: async () => (await deps.db.select({ n: count() }).from(profiles))[0]?.n ?? 0,
        rows: (w) => deps.db.select().from(profiles).orderBy(asc(profiles.id)).limit(w.limit).offset(w.offset),
      })
      return c.json(rows.map((r) => presentProfile(openProfile(deps.secrets, r))))
    },
  })

  api.add({
    method: 'post',
    path: '/admin/profiles',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Create a submitted profile for a user, authored by the caller',
    // Barong checked no ability here; creating KYC data is managing profiles.
    auth: { ability: { action: 'create', subject: 'Profile' } },
    params: { uid: { type: 'string', required: true, allowBlank: false }, ...fields },
    response: profileSchema,
    errors: { 404: ['admin.user.doesnt_exist'], 422: ['state.exists', ...PROFILE_MODEL_ERRORS] },
    handler: async (c, p, caller) => {
      // Barong answered 500 for an unknown uid.
      const target = await targetUser(deps.db, p.uid)
      const profile = await modelChecked(() =>
        commit(deps, async (w) => {
          const created = await createProfile(w, deps, target, inputOf(p), 'submitted', caller.user.uid)
          await recordAdminChange(w, c, caller.user, { topic: 'profiles', action: 'create', targetUid: target.uid, data: { state: 'submitted' } })
          return created
        }),
      )
      return c.json(presentProfile(profile), 201)
    },
  })

  api.add({
    method: 'put',
    path: '/admin/profiles',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Decide the user’s submitted profile (verified or rejected)',
    auth: { ability: { action: 'update', subject: 'Profile' } },
    params: {
      uid: { type: 'string', required: true, allowBlank: false },
      state: { type: 'string', required: true, allowBlank: false, values: REVIEW_STATES, valueError: 'admin.profiles.invalid_state' },
    },
    response: profileSchema,
    errors: { 404: ['admin.profiles.doesnt_exist_or_not_editable'], 422: ['admin.profiles.invalid_state', 'admin.profiles.superadmin_change', 'admin.profiles.second_admin_approval'] },
    handler: async (c, p, caller) => {
      const notEditable = new AppError('admin.profiles.doesnt_exist_or_not_editable', 404)
      const target = await targetUser(deps.db, p.uid).catch(() => Promise.reject(notEditable))
      const profile = await submittedProfile(deps.db, target.id)
      if (!profile) throw notEditable
      guardSuperadmin(caller.user, target, 'admin.profiles.superadmin_change')
      // With double verification, the author of a profile needs a second admin unless their role may decide alone.
      const alone = deps.config.barong.profile_verification_roles.includes(caller.user.role)
      if (deps.config.env.BARONG_PROFILE_DOUBLE_VERIFICATION && profile.author === caller.user.uid && !alone) throw new AppError('admin.profiles.second_admin_approval', 422)
      const updated = await commit(deps, async (w) => {
        const done = await setProfileState(w, deps, target, profile, p.state as (typeof REVIEW_STATES)[number])
        await recordAdminChange(w, c, caller.user, { topic: 'profiles', action: 'update', targetUid: target.uid, data: { state: p.state } })
        return done
      })
      return c.json(presentProfile(updated))
    },
  })
}
