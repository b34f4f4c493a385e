import { and, asc, count, eq, gte, lte, sql } from 'drizzle-orm'
import { z } from 'zod'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { activities, labels, levels } from '../storage/schema/index.ts'

/** A unix time in seconds or a `YYYY-MM-DD` date (UTC); null when it is neither. */
function instant(v: string): Date | null {
  if (/^\d{1,12}$/.test(v)) return new Date(Number(v) * 1000)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return null
  const d = new Date(`${v}T00:00:00Z`)
  return Number.isNaN(d.getTime()) ? null : d
}
const period = (name: string) =>
  ({
    type: 'string',
    check: (v: unknown) => (instant(String(v)) ? null : `admin.metrics.invalid_${name}`),
    description: 'Unix seconds or YYYY-MM-DD (UTC); Barong accepted and ignored it',
  }) as const

/** Levels (docs/barong-behaviour-notes.md#s4-4-9) and the dashboard's counts. */
export function registerLevelAndMetricRoutes(api: Api, deps: Pick<Deps, 'db'>) {
  api.add({
    method: 'get',
    path: '/admin/levels',
    tag: 'admin',
    prefix: 'admin.level',
    summary: 'Every level, unpaginated',
    auth: { ability: { action: 'read', subject: 'Level' } },
    response: z.array(z.object({ id: z.number().int(), key: z.string(), value: z.string() })),
    handler: async (c) => c.json(await deps.db.select({ id: levels.id, key: levels.key, value: levels.value }).from(levels).orderBy(asc(levels.id))),
  })

  api.add({
    method: 'get',
    path: '/admin/metrics',
    tag: 'admin',
    prefix: 'admin.metrics',
    summary: 'Sign-ups and logins per day, and documents waiting for review (Barong’s key spelling `sucessful_logins`)',
    auth: { ability: { action: 'read', subject: 'User' } },
    params: { created_from: period('created_from'), created_to: period('created_to') },
    response: z.object({
      signups: z.record(z.string(), z.number().int()),
      sucessful_logins: z.record(z.string(), z.number().int()),
      failed_logins: z.record(z.string(), z.number().int()),
      pending_applications: z.number().int(),
    }),
    errors: { 422: ['admin.metrics.invalid_created_from', 'admin.metrics.invalid_created_to'] },
    handler: async (c, p) => {
      const from = p.created_from === undefined ? undefined : instant(p.created_from)!
      const to = p.created_to === undefined ? undefined : instant(p.created_to)!
      const day = sql<string>`to_char(${activities.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`
      const perDay = async (topic: string, action: string, result: string) => {
        const rows = await deps.db
          .select({ day, n: count() })
          .from(activities)
          .where(
            and(
              eq(activities.category, 'user'),
              eq(activities.topic, topic),
              eq(activities.action, action),
              eq(activities.result, result),
              from ? gte(activities.createdAt, from) : undefined,
              to ? lte(activities.createdAt, to) : undefined,
            ),
          )
          .groupBy(day)
          .orderBy(day)
        return Object.fromEntries(rows.map((r) => [r.day, r.n]))
      }
      const [signups, ok, failed, [pending]] = await Promise.all([
        perDay('account', 'signup', 'succeed'),
        perDay('session', 'login', 'succeed'),
        perDay('session', 'login', 'failed'),
        deps.db.select({ n: count() }).from(labels).where(and(eq(labels.key, 'document'), eq(labels.value, 'pending'), eq(labels.scope, 'private'))),
      ])
      return c.json({ signups, sucessful_logins: ok, failed_logins: failed, pending_applications: pending?.n ?? 0 })
    },
  })
}
