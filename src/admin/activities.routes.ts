import { and, count, desc, eq, gte, inArray, lte, type SQL } from 'drizzle-orm'
import { z } from 'zod'
import { activityFields } from '../accounts/entities.ts'
import { activityFieldsSchema, userSchema } from '../accounts/entity-schemas.ts'
import { normalizeEmail } from '../accounts/user-repository.ts'
import { userPresenter } from '../accounts/user-view.ts'
import { isoSeconds } from '../accounts/user-record.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { pageParams, paginate } from '../http/paginate.ts'
import { activities, users } from '../storage/schema/index.ts'

const PREFIX = 'admin.activity'
const READ = { ability: { action: 'read', subject: 'Activity' } } as const
const text = (name: string) => ({ type: 'string', invalid: `admin.activity.non_string_${name}` }) as const

const filterParams = {
  topic: text('topic'),
  action: text('action'),
  uid: { ...text('uid'), description: 'The acting user’s uid' },
  email: { ...text('email'), description: 'The acting user’s email' },
  from: { type: 'integer', description: 'Unix seconds: created at or after' },
  to: { type: 'integer', description: 'Unix seconds: created at or before' },
  ...pageParams,
} as const

/**
 * The audit trail for staff (docs/barong-behaviour-notes.md#s7-1, #s7-2): users' activities and the admin ones
 * (the gateway's audit and denial rows, and every staff change), newest first, with the acting user (and target).
 */
export function registerAdminActivityRoutes(api: Api, deps: Pick<Deps, 'db'>) {
  type Filter = { category: 'user' | 'admin'; topic?: string | undefined; action?: string | undefined; uid?: string | undefined; email?: string | undefined; from?: number | undefined; to?: number | undefined; targetUid?: string | undefined }
  const where = (f: Filter): SQL | undefined =>
    and(
      eq(activities.category, f.category),
      f.topic !== undefined ? eq(activities.topic, f.topic) : undefined,
      f.action !== undefined ? eq(activities.action, f.action) : undefined,
      f.uid !== undefined ? eq(users.uid, f.uid) : undefined,
      f.email !== undefined ? eq(users.email, normalizeEmail(f.email)) : undefined,
      f.from !== undefined ? gte(activities.createdAt, new Date(f.from * 1000)) : undefined,
      f.to !== undefined ? lte(activities.createdAt, new Date(f.to * 1000)) : undefined,
      f.targetUid !== undefined ? eq(activities.targetUid, f.targetUid) : undefined,
    )
  /** A page of rows with their actors (one join) and the actors' referrers (one query). */
  const page = async (c: Parameters<typeof paginate>[0], p: { page: number; limit: number }, f: Filter) => {
    const rows = await paginate(c, p, {
      count: async () => (await deps.db.select({ n: count() }).from(activities).innerJoin(users, eq(users.id, activities.userId)).where(where(f)))[0]?.n ?? 0,
      rows: (w) =>
        deps.db
          .select({ activity: activities, user: users })
          .from(activities)
          .innerJoin(users, eq(users.id, activities.userId))
          .where(where(f))
          .orderBy(desc(activities.createdAt), desc(activities.id))
          .limit(w.limit)
          .offset(w.offset),
    })
    return rows
  }

  api.add({
    method: 'get',
    path: '/admin/activities',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Users’ activities (category user), newest first, with the user',
    auth: READ,
    params: filterParams,
    response: z.array(z.object({ ...activityFieldsSchema, user: userSchema, created_at: z.string() })),
    errors: { 422: ['admin.activity.non_string_topic', 'admin.activity.non_string_action', 'admin.activity.non_string_uid', 'admin.activity.non_string_email'] },
    handler: async (c, p) => {
      const rows = await page(c, p, { category: 'user', ...p })
      const present = await userPresenter(deps.db, rows.map((r) => r.user))
      return c.json(rows.map((r) => ({ ...activityFields(r.activity), user: present(r.user), created_at: isoSeconds(r.activity.createdAt) })))
    },
  })

  api.add({
    method: 'get',
    path: '/admin/activities/admin',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Staff activities (category admin): audited and denied requests, and staff changes with their fields',
    auth: READ,
    params: {
      ...filterParams,
      target_uid: text('target_uid'),
      range: { type: 'string', values: ['created'], default: 'created', valueError: 'admin.activity.invalid_range' },
    },
    response: z.array(z.object({ ...activityFieldsSchema, admin: userSchema, target: userSchema.nullable(), created_at: z.string() })),
    errors: { 422: ['admin.activity.non_string_topic', 'admin.activity.non_string_action', 'admin.activity.non_string_uid', 'admin.activity.non_string_email', 'admin.activity.non_string_target_uid', 'admin.activity.invalid_range'] },
    handler: async (c, p) => {
      const rows = await page(c, p, { category: 'admin', ...p, targetUid: p.target_uid })
      const targetUids = [...new Set(rows.flatMap((r) => (r.activity.targetUid ? [r.activity.targetUid] : [])))]
      const targets = targetUids.length ? await deps.db.select().from(users).where(inArray(users.uid, targetUids)) : []
      const byUid = new Map(targets.map((u) => [u.uid, u]))
      const present = await userPresenter(deps.db, [...rows.map((r) => r.user), ...targets])
      return c.json(
        rows.map((r) => {
          const target = r.activity.targetUid ? byUid.get(r.activity.targetUid) : undefined
          return { ...activityFields(r.activity), admin: present(r.user), target: target ? present(target) : null, created_at: isoSeconds(r.activity.createdAt) }
        }),
      )
    },
  })
}
