import { activities } from '../storage/schema/index.ts'
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

/** A `user` activity (docs/barong-behaviour-notes.md#s7-1), written in the caller's transaction. */
export async function recordUserActivity(db: Executor, meta: RequestMeta, a: UserActivity, now: Date): Promise<void> {
  await db.insert(activities).values({
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
  })
}
