import { and, count, desc, eq, gte, lt } from 'drizzle-orm'
import { activities, type Activity } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'

export interface RequestMeta {
  ip: string
  ua: string | null
}

export interface UserActivity {
  userId: number
  topic: 'account' | 'session' | 'password' | 'otp'
  action: string
  result: 'succeed' | 'failed'
  reason?: string
}

/** The row of a `user` activity (docs/barong-behaviour-notes.md#s7-1). */
export function userActivityRow(meta: RequestMeta, a: UserActivity, now: Date): typeof activities.$inferInsert {
  return {
    userId: a.userId,
    category: 'user',
    userIp: meta.ip,
    // Barong drops rows without a user agent; we keep them (docs/differences-from-barong.md#d26).
    userAgent: (meta.ua ?? '').slice(0, 255),
    topic: a.topic,
    action: a.action,
    result: a.result,
    data: a.reason ? JSON.stringify({ reason: a.reason }) : null,
    createdAt: now,
  }
}

/** A `user` activity, written in the caller's transaction. */
export async function recordUserActivity(db: Executor, meta: RequestMeta, a: UserActivity, now: Date): Promise<void> {
  await db.insert(activities).values(userActivityRow(meta, a, now))
}

/** Which of a user's activities to list (`GET /resource/users/activity/:topic`). */
export interface ActivityFilter {
  userId: number
  /** Absent: every topic. */
  topic?: string | undefined
  /** created_at >= from */
  from?: Date | undefined
  /** created_at < to */
  to?: Date | undefined
  result?: string | undefined
}

function activityWhere(f: ActivityFilter) {
  return and(
    eq(activities.userId, f.userId),
    f.topic !== undefined ? eq(activities.topic, f.topic) : undefined,
    f.from !== undefined ? gte(activities.createdAt, f.from) : undefined,
    f.to !== undefined ? lt(activities.createdAt, f.to) : undefined,
    f.result !== undefined ? eq(activities.result, f.result) : undefined,
  )
}

/** Every row whose actor is the user, admin-category ones included, as Barong lists them. */
export async function countUserActivities(db: Executor, f: ActivityFilter): Promise<number> {
  const [row] = await db.select({ n: count() }).from(activities).where(activityWhere(f))
  return row?.n ?? 0
}

/** A page of them, newest first. */
export function userActivitiesPage(db: Executor, f: ActivityFilter, w: { limit: number; offset: number }): Promise<Activity[]> {
  return db.select().from(activities).where(activityWhere(f)).orderBy(desc(activities.id)).limit(w.limit).offset(w.offset)
}
