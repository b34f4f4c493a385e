import { z } from 'zod'
import { commit } from '../accounts/commit.ts'
import { presentProfile } from '../accounts/entities.ts'
import { profileSchema } from '../accounts/entity-schemas.ts'
import { createProfile, ProfileInvalid, updateDraftedProfile, userProfiles, type ProfileInput } from '../accounts/profiles.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'

export type ProfileDeps = Pick<Deps, 'config' | 'db' | 'secrets' | 'store' | 'clock' | 'relay' | 'logger' | 'authzCache'>

const PREFIX = 'resource.profile'
const MODEL_ERRORS = [
  'first_name.too_short', 'first_name.too_long', 'first_name.invalid',
  'last_name.too_short', 'last_name.too_long', 'last_name.invalid',
  'city.too_short', 'city.too_long', 'city.invalid',
  'country.must have alpha2 or alpha3 format',
  'postcode.too_short', 'postcode.too_long', 'postcode.invalid',
  'address.too_short', 'address.too_long', 'address.invalid',
  'metadata.invalid_format', 'dob.invalid',
]

// Barong's profile parameters: all optional; `dob` a date; `confirm` submits the profile.
const fields = {
  first_name: { type: 'string' },
  last_name: { type: 'string' },
  dob: { type: 'date', description: 'YYYY-MM-DD' },
  address: { type: 'string' },
  postcode: { type: 'string' },
  city: { type: 'string' },
  country: { type: 'string', description: 'ISO 3166 alpha-2 or alpha-3' },
  metadata: { type: 'string', description: 'Additional key: value pairs as a JSON string' },
  confirm: { type: 'boolean', default: false, description: 'Submit the profile for verification' },
} as const

const inputOf = (p: Partial<Record<keyof typeof fields, unknown>>): ProfileInput => {
  const out: ProfileInput = {}
  for (const k of ['first_name', 'last_name', 'dob', 'address', 'postcode', 'city', 'country', 'metadata'] as const) if (typeof p[k] === 'string') out[k] = p[k]
  return out
}

/** Model errors as Barong's 422 keys. */
async function modelChecked<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof ProfileInvalid) throw new AppError(err.keys, 422)
    throw err
  }
}

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
