import type { Logger } from 'pino'
import type { Store } from '../cache/store.ts'
import type { Clock } from '../clock.ts'
import { sql } from 'drizzle-orm'
import { outboxRow, recordEvent, type EventBody, type EventName } from '../events/outbox.ts'
import type { Database } from '../storage/db.ts'
import { activities, eventOutbox } from '../storage/schema/index.ts'
import { withTx, type Tx } from '../storage/tx.ts'
import { announce, bumpVersion, type CacheName } from './invalidation.ts'

/** Tables the gateway mirrors in memory (a write to one must reach every instance). */
export type MirroredTable = Exclude<CacheName, 'users'>

/** One transaction of an accounts change, and what it must tell others once committed. */
export interface Work {
  readonly tx: Tx
  readonly now: Date
  readonly nowMs: number
  /** Writes an event to the outbox; the relay is woken after commit. */
  event(name: EventName, body: EventBody): Promise<void>
  /** A mirrored table was written: its version is bumped in this transaction, caches reload after commit. */
  tableChanged(name: MirroredTable): void
  /** A user's state, role, level or otp changed: cached snapshots are dropped after commit. */
  userChanged(uid: string): void
}

export interface CommitDeps {
  db: Database
  clock: Clock
  /** Absent in the CLI: a running instance's relay finds the rows at its next poll. */
  relay?: { kick(): void } | undefined
  /** Absent in the CLI: instances see the bumped versions at their periodic check. */
  store?: Store | undefined
  authzCache?: { forgetUser(uid: string): void; reload(name: string): Promise<void> } | undefined
  logger?: Pick<Logger, 'warn'> | undefined
}

/**
 * Runs `fn` in one transaction, then: wakes the outbox relay, reloads this instance's mirrored tables
 * (so the change holds before the response returns) and tells every other instance. Nothing happens
 * after a rollback. `nowMs`: when the change was asked for, if the work runs later (deferred).
 */
export async function commit<T>(deps: CommitDeps, fn: (work: Work) => Promise<T>, nowMs = deps.clock.now()): Promise<T> {
  let events = 0
  const tables = new Set<MirroredTable>()
  const uids = new Set<string>()
  const result = await withTx(deps.db, async (tx) => {
    const work: Work = {
      tx,
      now: new Date(nowMs),
      nowMs,
      async event(name, body) {
        await recordEvent(tx, name, body)
        events++
      },
      tableChanged: (name) => void tables.add(name),
      userChanged: (uid) => void uids.add(uid),
    }
    const value = await fn(work)
    for (const name of tables) await bumpVersion(tx, name, work.now)
    return value
  })
  if (events) deps.relay?.kick()
  for (const uid of uids) {
    deps.authzCache?.forgetUser(uid)
    if (deps.store) await announce(deps.store, 'users', uid)
  }
  for (const name of tables) {
    try {
      await deps.authzCache?.reload(name)
    } catch (err) {
      // Committed and versioned: the periodic check reloads it.
      deps.logger?.warn({ err: (err as Error).message, name }, 'reload after commit failed')
    }
    if (deps.store) await announce(deps.store, name)
  }
  return result
}

/** What a change that only adds rows writes: activities and events. */
export interface Appended {
  activities?: (typeof activities.$inferInsert)[]
  events?: { name: EventName; body: EventBody }[]
}

/**
 * Writes rows that a change only adds (its activities and events) as one statement, which is atomic by itself:
 * one round trip where `commit` takes four (BEGIN, an insert per table, COMMIT). Then wakes the relay.
 */
export async function append(deps: Pick<CommitDeps, 'db' | 'relay'>, rows: Appended): Promise<void> {
  const acts = rows.activities?.length ? deps.db.insert(activities).values(rows.activities) : undefined
  const evs = rows.events?.length ? deps.db.insert(eventOutbox).values(rows.events.map((e) => outboxRow(e.name, e.body))) : undefined
  if (acts && evs) await deps.db.execute(sql`with appended as (${acts.getSQL()}) ${evs.getSQL()}`)
  else await (acts ?? evs)
  if (evs) deps.relay?.kick()
}
