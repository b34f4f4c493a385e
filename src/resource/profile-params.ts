import { ProfileInvalid, type ProfileInput } from '../accounts/profiles.ts'
import { AppError } from '../http/errors.ts'

/** Profile parameters and model errors as the profile routes of the resource and admin APIs declare them. */
export const PROFILE_MODEL_ERRORS = [
  'first_name.too_short', 'first_name.too_long', 'first_name.invalid',
  'last_name.too_short', 'last_name.too_long', 'last_name.invalid',
  'city.too_short', 'city.too_long', 'city.invalid',
  'country.must have alpha2 or alpha3 format',
  'postcode.too_short', 'postcode.too_long', 'postcode.invalid',
  'address.too_short', 'address.too_long', 'address.invalid',
  'metadata.invalid_format', 'dob.invalid',
]

// Barong's profile parameters: all optional; `dob` a date; `confirm` submits the profile.
export const profileFields = {
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

export const inputOf = (p: Partial<Record<keyof typeof profileFields, unknown>>): ProfileInput => {
  const out: ProfileInput = {}
  for (const k of ['first_name', 'last_name', 'dob', 'address', 'postcode', 'city', 'country', 'metadata'] as const) if (typeof p[k] === 'string') out[k] = p[k]
  return out
}

/** Model errors as Barong's 422 keys. */
export async function modelChecked<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof ProfileInvalid) throw new AppError(err.keys, 422)
    throw err
  }
}

