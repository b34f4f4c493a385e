import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { and, eq } from 'drizzle-orm'
import { parse } from 'yaml'
import { z } from 'zod'
import { commit, type CommitDeps } from '../accounts/commit.ts'
import { emailTaken } from '../accounts/user-repository.ts'
import { createUserWithLevels, normalizeEmail, validateNewUser } from '../accounts/users.ts'
import type { Config } from '../config/index.ts'
import { CATEGORIES, SCOPES, restrictionCode } from '../authz/core/restriction-codes.ts'
import type { Database } from '../storage/db.ts'
import { levels, permissions, restrictions } from '../storage/schema/index.ts'

export const DEFAULT_SEEDS = fileURLToPath(new URL('../../config/seeds.yml', import.meta.url))

const seedsSchema = z.object({
  levels: z
    .array(z.object({ id: z.number().int().positive(), key: z.string().min(1), value: z.string().min(1), description: z.string().optional() }))
    .default([]),
  permissions: z
    .array(
      z.object({
        role: z.string().min(1),
        verb: z.string().regex(/^(get|post|put|patch|delete|head|all)$/i),
        path: z.string().min(1),
        action: z.string().regex(/^(accept|drop|audit)$/i),
        topic: z.string().optional(),
      }),
    )
    .default([]),
  restrictions: z
    .array(
      z.object({
        category: z.enum(CATEGORIES),
        scope: z.enum(SCOPES),
        value: z.string().min(1).max(64),
        code: z.number().int().optional(),
        state: z.enum(['enabled', 'disabled']).default('enabled'),
      }),
    )
    .default([]),
  users: z
    .array(
      z.object({
        email: z.string(),
        password: z.string(),
        role: z.string().default('member'),
        state: z.string().default('active'),
        level: z.number().int().min(0).default(0),
      }),
    )
    .default([]),
})

export type Seeds = z.infer<typeof seedsSchema>

export function readSeeds(path: string): Seeds {
  let raw: unknown
  try {
    raw = parse(readFileSync(path, 'utf8')) ?? {}
  } catch (err) {
    throw new Error(`cannot read seeds file ${path}: ${(err as Error).message}`)
  }
  const result = seedsSchema.safeParse(raw)
  if (!result.success) {
    const i = result.error.issues[0]
    throw new Error(`seeds file ${path}: ${i?.path.join('.')} ${i?.message}`)
  }
  return result.data
}

export interface SeedReport {
  levels: number
  permissions: number
  restrictions: number
  users: string[]
}

/** Who hears of the change: a running app passes its caches; the CLI none (instances poll the versions). */
export type SeedNotify = Omit<CommitDeps, 'db' | 'clock'>

/**
 * Loads seeds idempotently: existing rows are skipped, so running it twice changes nothing. New
 * permissions and restrictions bump their versions, so running instances reload them.
 */
export async function seed(db: Database, config: Config, seeds: Seeds, now = new Date(), notify: SeedNotify = {}): Promise<SeedReport> {
  const report: SeedReport = { levels: 0, permissions: 0, restrictions: 0, users: [] }
  const deps: CommitDeps = { ...notify, db, clock: { now: () => now.getTime() } }
  await commit(deps, async (w) => {
    const { tx } = w
    for (const l of seeds.levels) {
      const r = await tx
        .insert(levels)
        .values({ id: l.id, key: l.key, value: l.value, description: l.description ?? null, createdAt: now, updatedAt: now })
        .onConflictDoNothing()
        .returning({ id: levels.id })
      report.levels += r.length
    }
    for (const p of seeds.permissions) {
      const row = { role: p.role, verb: p.verb.toUpperCase(), path: p.path, action: p.action.toUpperCase() }
      const found = await tx
        .select({ id: permissions.id })
        .from(permissions)
        .where(and(eq(permissions.role, row.role), eq(permissions.verb, row.verb), eq(permissions.path, row.path), eq(permissions.action, row.action)))
        .limit(1)
      if (found.length) continue
      await tx.insert(permissions).values({ ...row, topic: p.topic ?? null, createdAt: now, updatedAt: now })
      report.permissions++
    }
    for (const r of seeds.restrictions) {
      const inserted = await tx
        .insert(restrictions)
        .values({ ...r, code: restrictionCode(r.category, r.scope, r.code), createdAt: now, updatedAt: now })
        .onConflictDoNothing()
        .returning({ id: restrictions.id })
      report.restrictions += inserted.length
    }
    if (report.permissions) w.tableChanged('permissions')
    if (report.restrictions) w.tableChanged('restrictions')
  })
  const admin =
    config.env.BARONG_ADMIN_EMAIL && config.env.BARONG_ADMIN_PASSWORD
      ? [{ email: config.env.BARONG_ADMIN_EMAIL, password: config.env.BARONG_ADMIN_PASSWORD, role: 'superadmin', state: 'active', level: 1 }]
      : []
  for (const u of [...seeds.users, ...admin]) {
    const created = await seedUser(deps, config, u)
    if (created) report.users.push(created)
  }
  return report
}

/** An active user with private labels for levels 1..level (Barong's seeded admin). */
async function seedUser(deps: CommitDeps, config: Config, u: Seeds['users'][number]): Promise<string | null> {
  const email = normalizeEmail(u.email)
  if (await emailTaken(deps.db, email)) return null
  const errs = (await validateNewUser(deps.db, config, u)).filter((e) => e !== 'email.taken')
  if (errs.length) throw new Error(`seed user ${email}: ${errs.join(', ')}`)
  const user = await commit(deps, (w) => createUserWithLevels(w, config, { ...u, email }, u.level, u.state))
  return user.uid
}
