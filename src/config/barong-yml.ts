import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { z } from 'zod'
import { ConfigError } from './env.ts'

/**
 * `barong.yml` in Barong's format (docs/barong-behaviour-notes.md#s10); every key optional, Barong's defaults
 * otherwise.
 */
const schema = z
  .object({
    activation_requirements: z.record(z.string(), z.string()).default({ email: 'verified' }),
    state_triggers: z
      .record(z.string(), z.array(z.string()))
      .default({ banned: ['ban', 'fraud'], deleted: ['delete'], locked: ['suspicious', 'lock'] }),
    document_types: z
      .array(z.string())
      .default([
        'Passport',
        'Identity card',
        'Driver license',
        'Utility Bill',
        'Residental',
        'Institutional',
        'Address',
      ]),
    user_storage_titles: z.array(z.string()).default([]),
    captcha_protected_endpoints: z
      .array(z.enum(['user_create', 'session_create', 'password_reset', 'email_confirmation']))
      .default(['user_create', 'session_create', 'password_reset', 'email_confirmation']),
    profile_verification_roles: z.array(z.string()).default(['superadmin']),
  })
  .loose()

export type BarongYml = z.infer<typeof schema>

export function loadBarongYml(path: string | undefined): BarongYml {
  if (path === undefined) return schema.parse({})
  let raw: unknown
  try {
    raw = parse(readFileSync(path, 'utf8')) ?? {}
  } catch (err) {
    throw new ConfigError(`invalid configuration: BARONG_CONFIG cannot read ${path}: ${(err as Error).message}`)
  }
  const result = schema.safeParse(raw)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new ConfigError(
      `invalid configuration: BARONG_CONFIG ${path}: ${issue?.path.join('.')} ${issue?.message}`,
    )
  }
  return result.data
}
