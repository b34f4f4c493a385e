import type { Context } from 'hono'
import type { Work } from '../accounts/commit.ts'
import type { AppEnv } from '../http/env.ts'
import { requestMeta } from '../http/request-meta.ts'
import { activities, type User } from '../storage/schema/index.ts'

export interface AdminChange {
  /** What was changed: `users`, `labels`, `permissions`, … (the admin API's first path segment). */
  topic: string
  action: 'create' | 'update' | 'delete'
  /** The user the change is about, if any. */
  targetUid?: string | null
  /** The changed fields (new values), or the removed row's identifying fields. Never secrets. */
  data: Record<string, unknown>
}

/**
 * The record of an admin write (docs/differences-from-barong.md#d45): who, what, target and the changed fields, an
 * `admin` activity written in the change's own transaction, so there is no change without its record. The
 * gateway's AUDIT rows record the request besides; this records what it did.
 */
export async function recordAdminChange(w: Work, c: Context<AppEnv>, caller: User, change: AdminChange): Promise<void> {
  const meta = requestMeta(c)
  await w.tx.insert(activities).values({
    userId: caller.id,
    category: 'admin',
    targetUid: change.targetUid ?? '',
    userIp: meta.ip,
    userAgent: (meta.ua ?? '').slice(0, 255),
    topic: change.topic,
    action: change.action,
    result: 'succeed',
    data: JSON.stringify(change.data),
    createdAt: w.now,
  })
}
