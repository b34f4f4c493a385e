import { z } from 'zod'

/** Response schemas of Barong's entities (docs/barong-behaviour-notes.md#s4-6), for the OpenAPI document. */
const ts = z.string().nullable()

export const labelSchema = z.object({ key: z.string(), value: z.string(), scope: z.string(), created_at: ts, updated_at: ts })

export const phoneSchema = z.object({ country: z.string(), number: z.string(), validated_at: z.string().nullable() })

export const profileSchema = z.object({
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  dob: z.string().nullable(),
  address: z.string().nullable(),
  postcode: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  state: z.string(),
  metadata: z.string().nullable(),
  created_at: ts,
  updated_at: ts,
})

export const dataStorageSchema = z.object({ title: z.string(), data: z.string(), created_at: ts, updated_at: ts })

const userHeadSchema = z.object({ email: z.string(), uid: z.string(), role: z.string(), level: z.number().int(), otp: z.boolean(), state: z.string() })

export const userWithFullInfoSchema = userHeadSchema.extend({
  referral_uid: z.string().nullable(),
  csrf_token: z.string().optional(),
  data: z.string().nullable(),
  created_at: ts,
  updated_at: ts,
  labels: z.array(labelSchema),
  phones: z.array(phoneSchema),
  profiles: z.array(profileSchema),
  data_storages: z.array(dataStorageSchema),
})

export const userSchema = userHeadSchema.extend({ referral_uid: z.string().nullable(), data: z.string().nullable() })

export const userWithProfileSchema = userSchema.omit({ referral_uid: true }).extend({
  profiles: z.array(profileSchema),
  referral_uid: z.string().nullable(),
  created_at: ts,
  updated_at: ts,
})

export const adminLabelSchema = labelSchema.extend({ description: z.string().nullable() })

export const documentSchema = z.object({
  upload: z.object({ url: z.string() }),
  doc_type: z.string().nullable(),
  doc_number: z.string().nullable(),
  doc_expire: z.string().nullable(),
  metadata: z.string().nullable(),
  created_at: ts,
  updated_at: ts,
})

export const commentSchema = z.object({ id: z.number().int(), author_uid: z.string(), title: z.string(), data: z.string(), created_at: ts, updated_at: ts })

export const userWithKycSchema = userHeadSchema.extend({
  data: z.string().nullable(),
  profiles: z.array(profileSchema),
  labels: z.array(adminLabelSchema),
  phones: z.array(phoneSchema),
  documents: z.array(documentSchema),
  data_storages: z.array(dataStorageSchema),
  comments: z.array(commentSchema),
  referral_uid: z.string().nullable(),
  created_at: ts,
  updated_at: ts,
})

export const apiKeySchema = z.object({
  kid: z.string(),
  algorithm: z.string(),
  scope: z.array(z.string()),
  state: z.string(),
  created_at: ts,
  updated_at: ts,
})

/**
 * Barong 2.5.21 answered a creation with Vault's secret object (`data.value` is the HMAC key); 2.6 with the
 * string itself (`BARONG_API_KEY_SECRET_FORMAT`).
 */
export const apiKeyWithSecretSchema = apiKeySchema.extend({
  secret: z.union([
    z.object({
      auth: z.null(),
      data: z.object({ value: z.string() }),
      lease_duration: z.number(),
      lease_id: z.string(),
      renewable: z.boolean(),
      warnings: z.null(),
      wrap_info: z.null(),
    }),
    z.string(),
  ]),
})

export const activityFieldsSchema = {
  user_ip: z.string(),
  user_ip_country: z.string().nullable(),
  user_agent: z.string(),
  topic: z.string(),
  action: z.string(),
  result: z.string(),
  data: z.string().nullable(),
}

export const activitySchema = z.object({ id: z.number().int(), ...activityFieldsSchema, created_at: ts })
