import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { z } from 'zod'
import { ConfigError } from './env.ts'

/**
 * Barong 2.6's admin abilities (docs/barong-behaviour-notes.md#s6-3), `config/abilities.yml`'s format: per role,
 * the subjects it manages (every action) and the ones it only reads. Data, loaded once at start.
 */
const roleEntry = z.object({ manage: z.array(z.string()).default([]), read: z.array(z.string()).default([]) }).strict()

const tableSchema = z
  .object({
    roles: z.array(z.string()).min(1),
    admin_permissions: z.record(z.string(), roleEntry.nullable().transform((e) => e ?? { manage: [], read: [] })),
  })
  .strict()

export type AbilityTable = z.infer<typeof tableSchema>

export const DEFAULT_ABILITIES: AbilityTable = {
  roles: ['superadmin', 'admin', 'technical', 'accountant', 'compliance', 'support'],
  admin_permissions: {
    superadmin: { manage: ['Ability', 'User', 'Level', 'Label', 'Profile', 'Activity', 'APIKey', 'Permission', 'Restriction', 'Document'], read: [] },
    admin: { manage: ['Ability', 'User', 'Level', 'Label', 'Profile', 'APIKey', 'Restriction', 'Document'], read: ['Activity', 'Permission'] },
    technical: { manage: ['APIKey', 'Restriction'], read: ['Ability', 'User', 'Level', 'Label', 'Profile', 'Activity'] },
    accountant: { manage: [], read: ['Ability', 'User', 'Level', 'Label', 'Profile', 'Activity'] },
    compliance: { manage: ['User', 'Level', 'Label', 'Profile'], read: ['Ability', 'Document'] },
    support: { manage: ['User'], read: ['Ability', 'Label', 'Level', 'Profile', 'Activity'] },
  },
}

export function loadAbilities(path: string | undefined): AbilityTable {
  if (path === undefined) return DEFAULT_ABILITIES
  let raw: unknown
  try {
    raw = parse(readFileSync(path, 'utf8')) ?? {}
  } catch (err) {
    throw new ConfigError(`invalid configuration: BARONG_ABILITIES cannot read ${path}: ${(err as Error).message}`)
  }
  const result = tableSchema.safeParse(raw)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new ConfigError(`invalid configuration: BARONG_ABILITIES ${path}: ${issue?.path.join('.')} ${issue?.message}`)
  }
  return result.data
}

