import type { SecretBox } from '../crypto/secretbox.ts'
import type { Profile } from '../storage/schema/index.ts'

/**
 * The personal columns Barong 2.6 encrypts — first and last name, date of birth, address — are sealed at rest with
 * the service's secret box (AES-256-GCM); every read opens them through here, so nothing else sees ciphertext.
 */
const SEALED = ['firstName', 'lastName', 'dob', 'address'] as const

/** A profile row with its sealed columns opened. */
export type OpenProfile = Profile

export function openProfile(secrets: SecretBox, row: Profile): OpenProfile {
  const out = { ...row }
  for (const k of SEALED) out[k] = row[k] === null ? null : secrets.open(row[k])
  return out
}

const seal = (secrets: SecretBox, v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : secrets.seal(v))

/**
 * The search digest of a name: compared the way Barong's MySQL collation compared names (case-insensitive,
 * trailing spaces ignored), so an admin finds `Ann` by `ann`.
 */
export const nameDigest = (secrets: SecretBox, name: string) => secrets.digest(name.normalize('NFKC').trim().toLowerCase())

const digestOf = (secrets: SecretBox, v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : nameDigest(secrets, v))

/** The sealed columns of a profile write (and the names' digests); fields not given stay undefined (unchanged). */
export const sealedColumns = (secrets: SecretBox, p: { first_name?: string; last_name?: string; dob?: string; address?: string }) => ({
  firstName: seal(secrets, p.first_name),
  lastName: seal(secrets, p.last_name),
  firstNameDigest: digestOf(secrets, p.first_name),
  lastNameDigest: digestOf(secrets, p.last_name),
  dob: seal(secrets, p.dob),
  address: seal(secrets, p.address),
})
