import { asc, eq, inArray, isNull, sql } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Clock } from '../clock.ts'
import type { Database } from '../storage/db.ts'
import type { Executor } from '../storage/tx.ts'
import { eventOutbox } from '../storage/schema/index.ts'
import type { EventSink } from './sinks.ts'

export interface RelayDeps {
  db: Database
  sink: EventSink
  logger: Logger
  clock: Clock
}

export interface RelayOptions {
  /** Rows locked and published per transaction. */
  batchSize?: number
  /** Poll interval when the outbox is empty (a kick wakes the loop sooner). */
  idleMs?: number
  /** First retry delay after a failure; doubles per consecutive failure up to maxBackoffMs. */
  minBackoffMs?: number
  maxBackoffMs?: number
  /**
   * How long a kick waits before its batch, so that commits close together share one (a producer's `linger.ms`).
   * Each batch is a transaction of four statements: without it, steady sign-ins paid one batch each.
   */
  lingerMs?: number
  /** Called each time the loop has found nothing to publish and goes to sleep until a kick or idleMs. */
  onIdle?: () => void
}

export interface Relay {
  /** Runs the loop in the background until stop(). */
  start(): void
  /** Wakes an idle loop now: call after committing a change that recorded events. */
  kick(): void
  /** Publishes until the outbox is empty (true) or timeoutMs passed (false). Never throws. */
  drain(timeoutMs: number): Promise<boolean>
  /** Ends the loop after the current batch. Does not close the sink: its owner does. */
  stop(): Promise<void>
}

/**
 * - empty: no unsent rows; progress: a full batch published, look again now; done: every row found was published
 *   and they were fewer than a batch (nothing more unless something was committed since);
 * - blocked: no row to take (another instance holds them, or none); failed: publish or database error.
 */
type Step = 'empty' | 'progress' | 'done' | 'blocked' | 'failed'

/**
 * The outbox relay: publishes `event_outbox` rows in id order and marks them sent. Delivery is
 * at least once: a row is marked sent only after the sink accepted it (for AMQP, after the
 * broker's confirm), so a crash between the two publishes it again. With the `none` sink rows
 * are marked sent without going anywhere: events are dropped, by configuration.
 */
export function createRelay(deps: RelayDeps, opts: RelayOptions = {}): Relay {
  const { db, sink, logger, clock } = deps
  const batchSize = opts.batchSize ?? 100
  const idleMs = opts.idleMs ?? 1000
  const minBackoffMs = opts.minBackoffMs ?? 500
  // Low: a retry against a broker that is away costs one refused connection, and events must flow again within
  // seconds of its return (`npm run faults` measured 46 s after a 30 s outage with 30 s here).
  const maxBackoffMs = opts.maxBackoffMs ?? 2_000
  const lingerMs = opts.lingerMs ?? 50

  let streak = 0 // consecutive failed steps
  let chain: Promise<unknown> = Promise.resolve()
  let running = false
  let loopDone: Promise<void> = Promise.resolve()
  let kicked = false
  let wake: { fn: () => void; kickable: boolean } | null = null

  /**
   * `expected`: a commit has just kicked the loop, so rows are there to take: the transaction starts at once.
   * Otherwise (a timed poll) one indexed read first, so that idle polls take no transaction and no lock. Under
   * steady sign-ins this leaves four statements per wake-up instead of six (`npm run bench -- login`).
   */
  async function batch(expected: boolean): Promise<Step> {
    if (!expected) {
      const head = await db
        .select({ id: eventOutbox.id })
        .from(eventOutbox)
        .where(isNull(eventOutbox.sentAt))
        .orderBy(asc(eventOutbox.id))
        .limit(1)
      if (!head[0]) return 'empty'
    }
    if (sink.ready) {
      try {
        await sink.ready()
      } catch (err) {
        // Counted on the oldest row, as a failed publish of it would be; no lock is needed for a counter.
        const oldest = await db.select({ id: eventOutbox.id }).from(eventOutbox).where(isNull(eventOutbox.sentAt)).orderBy(asc(eventOutbox.id)).limit(1)
        if (!oldest[0]) return 'empty'
        return fail(db, oldest[0].id, err)
      }
    }
    return db.transaction(async (tx) => {
      // SKIP LOCKED: rows another instance is publishing are left to it, never sent twice at once.
      const rows = await tx
        .select()
        .from(eventOutbox)
        .where(isNull(eventOutbox.sentAt))
        .orderBy(asc(eventOutbox.id))
        .limit(batchSize)
        .for('update', { skipLocked: true })
      if (rows.length === 0) return 'blocked'
      const sent: number[] = []
      let failure: { id: number; err: unknown } | null = null
      // Sent one by one in id order; with a sink that can, confirmed together afterwards (one broker round trip
      // per batch: after an outage the backlog drains in seconds, not one confirm per event).
      const confirms: { id: number; confirm: () => Promise<void> }[] = []
      for (const row of rows) {
        try {
          if (sink.send) confirms.push({ id: row.id, confirm: await sink.send(row.exchange, row.routingKey, row.payload) })
          else {
            await sink.publish(row.exchange, row.routingKey, row.payload)
            sent.push(row.id)
          }
        } catch (err) {
          // Stop at the first failure: later rows must not overtake it.
          failure = { id: row.id, err }
          break
        }
      }
      // Counted as sent up to the first unconfirmed one; later ones go again after it (at least once, in order).
      const settled = await Promise.allSettled(confirms.map((c) => c.confirm()))
      const unconfirmed = settled.findIndex((r) => r.status === 'rejected')
      for (const c of unconfirmed === -1 ? confirms : confirms.slice(0, unconfirmed)) sent.push(c.id)
      const rejected = settled[unconfirmed]
      if (rejected?.status === 'rejected') failure = { id: confirms[unconfirmed]!.id, err: rejected.reason as unknown }
      if (sent.length > 0) {
        await tx.update(eventOutbox).set({ sentAt: new Date(clock.now()) }).where(inArray(eventOutbox.id, sent))
      }
      if (failure) return fail(tx, failure.id, failure.err)
      return rows.length < batchSize ? 'done' : 'progress'
    })
  }

  async function fail(ex: Executor, id: number, error: unknown): Promise<Step> {
    const err = error instanceof Error ? error : new Error(String(error))
    await ex
      .update(eventOutbox)
      .set({ attempts: sql`${eventOutbox.attempts} + 1`, lastError: err.message.slice(0, 1000) })
      .where(eq(eventOutbox.id, id))
    noteFailure(err, id)
    return 'failed'
  }

  // One line per failure streak: a broker down for an hour must not write a line per retry.
  function noteFailure(err: Error, eventId?: number): void {
    streak++
    if (streak === 1) logger.error({ err: err.message, eventId, sink: sink.kind }, 'event relay: publishing failed, retrying with backoff')
  }

  async function safeBatch(expected: boolean): Promise<Step> {
    try {
      const step = await batch(expected)
      if (step !== 'failed' && streak > 0) {
        logger.info({ failedAttempts: streak }, 'event relay: publishing recovered')
        streak = 0
      }
      return step
    } catch (err) {
      // The database itself failed (the transaction rolled back, nothing was marked sent).
      noteFailure(err instanceof Error ? err : new Error(String(err)))
      return 'failed'
    }
  }

  // Batches of one relay never overlap (loop and drain share this chain), so its own rows go out in order.
  function step(expected = false): Promise<Step> {
    const next = chain.then(() => safeBatch(expected))
    chain = next.catch(() => {})
    return next
  }

  function backoffMs(): number {
    const base = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.max(0, streak - 1))
    // ±20% jitter so several instances do not retry in lockstep.
    return Math.round(base * (0.8 + Math.random() * 0.4))
  }

  function sleep(ms: number, kickable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const fn = () => {
        clearTimeout(timer)
        if (wake?.fn === fn) wake = null
        resolve()
      }
      // Unref'd: an idle relay never keeps the process alive on its own.
      const timer = setTimeout(fn, ms)
      timer.unref()
      wake = { fn, kickable }
    })
  }

  async function loop(): Promise<void> {
    let expected = false
    while (running) {
      kicked = false
      const s = await step(expected)
      if (!running) break
      expected = s === 'progress'
      if (expected) continue
      // A kick does not cut a backoff short: every request would otherwise retry a dead broker.
      if (s === 'failed') await sleep(backoffMs(), false)
      else if (!kicked) {
        const slept = sleep(idleMs, true)
        opts.onIdle?.()
        await slept
      }
      // Woken (or, during the batch, asked) by a commit: its rows are there. A timed wake-up polls first.
      expected = kicked && s !== 'failed'
      if (expected && lingerMs > 0 && running) await sleep(lingerMs, false)
    }
  }

  return {
    start() {
      if (running) return
      running = true
      loopDone = loop().catch((err: unknown) => {
        running = false
        logger.error({ err: (err as Error).message }, 'event relay loop ended unexpectedly')
      })
    },
    kick() {
      kicked = true
      if (wake?.kickable) wake.fn()
    },
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const s = await step()
        if (s === 'empty') return true
        const left = deadline - Date.now()
        if (left <= 0) return false
        if (s === 'progress' || s === 'done') continue
        const wait = Math.min(left, s === 'blocked' ? 50 : backoffMs())
        await new Promise((r) => setTimeout(r, wait))
      }
    },
    async stop() {
      running = false
      wake?.fn()
      await loopDone
    },
  }
}
