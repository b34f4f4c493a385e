import { z } from 'zod'
import { commit } from '../accounts/commit.ts'
import { presentProfile } from '../accounts/entities.ts'
import { profileSchema } from '../accounts/entity-schemas.ts'
import { createProfile, updateDraftedProfile, userProfiles } from '../accounts/profiles.ts'
import { inputOf, modelChecked, PROFILE_MODEL_ERRORS as MODEL_ERRORS, profileFields as fields } from './profile-params.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'

export type ProfileDeps = Pick<Deps, 'config' | 'db' | 'secrets' | 'store' | 'clock' | 'relay' | 'logger' | 'authzCache'>

const PREFIX = 'resource.profile'

/** The user's KYC profiles (docs/barong-behaviour-notes.md#s4-3-3): one drafted or submitted at a time. */
export function registerProfileRoutes(api: Api, deps: ProfileDeps) {
  api.add({
    method: 'get',
    path: '/resource/profiles/me',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'All the user’s profiles',
    auth: 'user',
    response: z.array(profileSchema),
    handler: async (c, _p, { user }) => c.json((await userProfiles(deps.db, deps.secrets, user.id)).map(presentProfile)),
  })

  api.add({
    method: 'post',
    path: '/resource/profiles',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Create a profile (drafted; submitted with `confirm`)',
    auth: 'user',
    params: fields,
    response: profileSchema,
    errors: { 422: ['state.exists', ...MODEL_ERRORS] },
    handler: async (c, p, { user }) => {
      const profile = await modelChecked(() => commit(deps, (w) => createProfile(w, deps, user, inputOf(p), p.confirm ? 'submitted' : 'drafted')))
      return c.json(presentProfile(profile), 201)
    },
  })

  api.add({
    method: 'put',
    path: '/resource/profiles',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Change the drafted profile (`confirm` submits it)',
    auth: 'user',
    params: fields,
    response: profileSchema,
    errors: { 404: ['resource.profile.doesnt_exist_or_not_editable'], 422: MODEL_ERRORS },
    handler: async (c, p, { user }) => {
      const profile = await modelChecked(() => commit(deps, (w) => updateDraftedProfile(w, deps, user, inputOf(p), p.confirm)))
      if (!profile) throw new AppError('resource.profile.doesnt_exist_or_not_editable', 404)
      return c.json(presentProfile(profile))
    },
  })
}
