import type { Activity, ApiKey, Comment, DataStorage, Document, Label, Phone, Profile, User } from '../storage/schema/index.ts'
import { scopeOf } from './api-keys.ts'
import { uploadUrl } from './documents.ts'
import type { KycDetails, UserDetails } from './user-details.ts'
import { isoSeconds } from './user-record.ts'

/** Barong's entities (docs/barong-behaviour-notes.md#s4-6), field order as Barong's. */
export const presentLabel = (l: Label) => ({
  key: l.key,
  value: l.value,
  scope: l.scope,
  created_at: isoSeconds(l.createdAt),
  updated_at: isoSeconds(l.updatedAt),
})

export const presentPhone = (p: Phone) => ({
  country: p.country,
  number: p.number,
  // Barong exposes the raw Rails time here, with milliseconds.
  validated_at: p.validatedAt ? p.validatedAt.toISOString() : null,
})

export const presentProfile = (p: Profile) => ({
  first_name: p.firstName,
  last_name: p.lastName,
  dob: p.dob,
  address: p.address,
  postcode: p.postcode,
  city: p.city,
  country: p.country,
  state: p.state,
  metadata: p.metadata,
  created_at: isoSeconds(p.createdAt),
  updated_at: isoSeconds(p.updatedAt),
})

export const presentDataStorage = (d: DataStorage) => ({
  title: d.title,
  data: d.data,
  created_at: isoSeconds(d.createdAt),
  updated_at: isoSeconds(d.updatedAt),
})

/** The fields every user entity opens with. */
const userHead = (u: User) => ({ email: u.email, uid: u.uid, role: u.role, level: u.level, otp: u.otp, state: u.state })

/** Barong's User entity (admin listings). */
export const presentUser = (u: User, referralUid: string | null) => ({ ...userHead(u), referral_uid: referralUid, data: u.data })

/** UserWithProfile (admin listings with `extended`). */
export const presentUserWithProfile = (u: User, d: Pick<UserDetails, 'profiles' | 'referralUid'>) => ({
  ...userHead(u),
  data: u.data,
  profiles: d.profiles.map(presentProfile),
  referral_uid: d.referralUid,
  created_at: isoSeconds(u.createdAt),
  updated_at: isoSeconds(u.updatedAt),
})

/** AdminLabelView: a label with its description (staff views). */
export const presentAdminLabel = (l: Label) => ({
  key: l.key,
  value: l.value,
  scope: l.scope,
  description: l.description,
  created_at: isoSeconds(l.createdAt),
  updated_at: isoSeconds(l.updatedAt),
})

export const presentDocument = (d: Document) => ({
  upload: { url: uploadUrl(d, 'staff') },
  doc_type: d.docType,
  doc_number: d.docNumber,
  doc_expire: d.docExpire,
  metadata: d.metadata,
  created_at: isoSeconds(d.createdAt),
  updated_at: isoSeconds(d.updatedAt),
})

export const presentComment = (c: Comment) => ({
  id: c.id,
  author_uid: c.authorUid,
  title: c.title,
  data: c.data,
  created_at: isoSeconds(c.createdAt),
  updated_at: isoSeconds(c.updatedAt),
})

/** UserWithKYC: the staff's full view of a user, from rows loaded by `loadKycDetails`. */
export const presentUserWithKyc = (u: User, d: KycDetails) => ({
  ...userHead(u),
  data: u.data,
  profiles: d.profiles.map(presentProfile),
  labels: d.labels.map(presentAdminLabel),
  phones: d.phones.map(presentPhone),
  documents: d.documents.map(presentDocument),
  data_storages: d.dataStorages.map(presentDataStorage),
  comments: d.comments.map(presentComment),
  referral_uid: d.referralUid,
  created_at: isoSeconds(u.createdAt),
  updated_at: isoSeconds(u.updatedAt),
})

/** UserWithFullInfo, from rows loaded by `loadUserDetails`; `csrfToken` only in login, signup and email-confirmation answers. */
export function presentUserWithFullInfo(u: User, d: UserDetails, csrfToken?: string) {
  return {
    ...userHead(u),
    referral_uid: d.referralUid,
    ...(csrfToken !== undefined ? { csrf_token: csrfToken } : {}),
    data: u.data,
    created_at: isoSeconds(u.createdAt),
    updated_at: isoSeconds(u.updatedAt),
    labels: d.labels.map(presentLabel),
    phones: d.phones.map(presentPhone),
    profiles: d.profiles.map(presentProfile),
    data_storages: d.dataStorages.map(presentDataStorage),
  }
}

export const presentApiKey = (k: ApiKey) => ({
  kid: k.kid,
  algorithm: k.algorithm,
  scope: scopeOf(k),
  state: k.state,
  created_at: isoSeconds(k.createdAt),
  updated_at: isoSeconds(k.updatedAt),
})

/**
 * The creation answer, the only one that carries the secret: 2.5.21's shape, where `secret` is the Vault
 * secret object and the key is `secret.data.value` (docs/barong-behaviour-notes.md#s4-3-8).
 */
export function presentNewApiKey(k: ApiKey, secret: string, format: 'vault' | 'plain') {
  const { created_at, updated_at, ...head } = presentApiKey(k)
  return {
    ...head,
    secret: format === 'plain' ? secret : { auth: null, data: { value: secret }, lease_duration: 2764800, lease_id: '', renewable: false, warnings: null, wrap_info: null },
    created_at,
    updated_at,
  }
}

/** What every activity entity shows of the row (the staff views add the users). */
export const activityFields = (a: Activity) => ({
  user_ip: a.userIp,
  user_ip_country: a.userIpCountry,
  user_agent: a.userAgent,
  topic: a.topic,
  action: a.action,
  result: a.result,
  data: a.data,
})

/** Barong 2.6's Activity entity: the row without its actor id or category (docs/barong-behaviour-notes.md#s4-3-1). */
export const presentActivity = (a: Activity) => ({ id: a.id, ...activityFields(a), created_at: isoSeconds(a.createdAt) })
