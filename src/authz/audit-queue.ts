import type { Logger } from 'pino'
import type { Database } from '../storage/db.ts'
import { activities, type NewActivity } from '../storage/schema/index.ts'

export interface AuditQueue {
  push(row: NewActivity): void
  flush(): Promise<void>
  stop(): Promise<void>
  readonly dropped: number
  /** Rows waiting to be written. */
  readonly depth: number
}

/**
 * Admin activities for AUDIT and denied decisions, written in batches off the request path. Bounded:
 * beyond `max` queued rows new ones are counted as dropped rather than growing memory. Flushed at
 * shutdown, so a graceful stop loses none. Denials that record the same thing (member, IP, action, topic,
 * path and parameters) while one is still queued become one row with `count` in its data
 * (docs/differences-from-barong.md#d42): a member hammering a forbidden path writes a row per interval, not
 * thousands a second.
 */
export function createAuditQueue(db: Database, logger: Logger, opts: { intervalMs?: number; batch?: number; max?: number } = {}): AuditQueue {
  const intervalMs = opts.intervalMs ?? 500
  // Building one multi-row INSERT blocks the event loop in proportion to its rows: 50 rows per statement
  // kept a denial flood's p99 near 20 ms where 200 gave 35 ms (README "Performance", denied row).
  const batch = opts.batch ?? 50
  const max = opts.max ?? 10_000
  let queue: NewActivity[] = []
  let dropped = 0
  // Denied rows still queued, by what they record; and how many denials each queued row stands for.
  const pending = new Map<string, NewActivity>()
  const counts = new Map<NewActivity, number>()
  const keyOf = (r: NewActivity) => `${r.userId}\u0000${r.userIp}\u0000${r.action}\u0000${r.topic}\u0000${r.targetUid}\u0000${r.data}`
  const withCount = (r: NewActivity): NewActivity => {
    const n = counts.get(r) ?? 1
    return n > 1 ? { ...r, data: JSON.stringify({ ...(JSON.parse(r.data ?? '{}') as object), count: n }) } : r
  }
  let flushing: Promise<void> | null = null

  // Writes what was queued when it started. Rows queued meanwhile wait for the next flush: an identical denial that
  // arrives during an insert adds to its queued row instead of starting one per round trip of the database.
  const writeAll = async () => {
    let left = queue.length
    while (left > 0 && queue.length) {
      const rows = queue.slice(0, Math.min(batch, left))
      left -= rows.length
      // From here on a new identical denial starts a row of its own: this one's count is being written.
      for (const r of rows) if (r.result === 'denied' && pending.get(keyOf(r)) === r) pending.delete(keyOf(r))
      try {
        await db.insert(activities).values(rows.map(withCount))
        queue = queue.slice(rows.length)
        for (const r of rows) counts.delete(r)
      } catch (err) {
        logger.warn({ err: (err as Error).message, queued: queue.length }, 'audit write failed; will retry')
        return
      }
    }
  }
  const flush = () => (flushing ??= writeAll().finally(() => (flushing = null)))
  const timer = setInterval(() => void flush(), intervalMs)
  timer.unref()

  return {
    push(row) {
      if (row.result === 'denied') {
        const key = keyOf(row)
        const same = pending.get(key)
        if (same) {
          counts.set(same, (counts.get(same) ?? 1) + 1)
          return
        }
        if (queue.length < max) pending.set(key, row)
      }
      if (queue.length >= max) {
        dropped++
        return
      }
      queue.push(row)
      if (queue.length >= batch) void flush()
    },
    async flush() {
      await flush()
      if (queue.length) await flush()
    },
    async stop() {
      clearInterval(timer)
      await this.flush()
    },
    get depth() {
      return queue.length
    },
    get dropped() {
      return dropped
    },
  }
}

const ACTIONS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', GET: 'read', DELETE: 'delete' }

/**
 * Barong's audit topic: the AUDIT row's topic, else the segment after `admin`, else `general`
 * (docs/barong-behaviour-notes.md#s7-2).
 */
export function auditTopic(segments: readonly string[], rowTopic: string | null): string {
  if (rowTopic) return rowTopic
  const i = segments.indexOf('admin')
  return i >= 0 && segments[i + 1] ? segments[i + 1]! : 'general'
}

export const auditAction = (method: string) => ACTIONS[method] ?? 'system'
