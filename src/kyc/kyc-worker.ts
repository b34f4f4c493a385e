import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { KycJobSpec } from '../accounts/kyc-jobs.ts'
import type { Clock } from '../clock.ts'
import { kycJobs, type KycJob } from '../storage/schema/index.ts'
import { KycaidRefused } from './kycaid-client.ts'
import { KycJobObsolete, stepOf, type StepDeps } from './kycaid-steps.ts'

export interface KycWorker {
  /** Polls for due jobs every `pollMs` until stop(). */
  start(): void
  /** Wakes the loop now: call after committing a change that queued a job. */
  kick(): void
  /** Runs every job due now, one at a time; resolves with how many ran. */
  runDue(): Promise<number>
  stop(): Promise<void>
}

export interface KycWorkerDeps extends StepDeps {
  logger: Logger
  clock: Clock
}

/** While a job runs, no other instance claims it; a crash mid-call releases it after this long. */
const LEASE_MS = 5 * 60_000
const MAX_BACKOFF_MS = 10 * 60_000

/**
 * Runs the queued KYCAID calls (docs/barong-behaviour-notes.md#s9-6): each job claimed by one instance (row lock,
 * SKIP LOCKED), retried with doubling delays while the provider is unreachable, and settled as refused when the
 * provider says no or the attempts run out.
 */
export function createKycWorker(deps: KycWorkerDeps, opts: { pollMs: number; maxAttempts: number }): KycWorker {
  const { db, logger, clock } = deps
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined
  let stopped = false

  const claim = async (): Promise<KycJob | null> => {
    const due = db
      .select({ id: kycJobs.id })
      .from(kycJobs)
      .where(and(isNull(kycJobs.doneAt), lte(kycJobs.runAt, new Date(clock.now()))))
      .orderBy(asc(kycJobs.id))
      .limit(1)
      .for('update', { skipLocked: true })
    const [job] = await db
      .update(kycJobs)
      .set({ attempts: sql`${kycJobs.attempts} + 1`, runAt: new Date(clock.now() + LEASE_MS) })
      .where(inArray(kycJobs.id, due))
      .returning()
    return job ?? null
  }

  const settle = (job: KycJob, patch: Partial<KycJob>) => db.update(kycJobs).set(patch).where(eq(kycJobs.id, job.id))

  const runOne = async (job: KycJob) => {
    const step = stepOf({ kind: job.kind, payload: JSON.parse(job.payload) } as KycJobSpec)
    const done = new Date(clock.now())
    try {
      await step.run(deps)
      await settle(job, { doneAt: done, lastError: null })
    } catch (err) {
      const message = (err as Error).message
      if (err instanceof KycJobObsolete) {
        logger.warn({ job: job.id, kind: job.kind, err: message }, 'KYC job dropped')
        await settle(job, { doneAt: done, lastError: message })
      } else if (err instanceof KycaidRefused || job.attempts >= opts.maxAttempts) {
        logger.warn({ job: job.id, kind: job.kind, attempts: job.attempts, err: message }, 'KYC provider refused: settled as rejected')
        await step.refused(deps).catch((e: unknown) => logger.error({ job: job.id, err: (e as Error).message }, 'KYC refusal not recorded'))
        await settle(job, { doneAt: done, lastError: message })
      } else {
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (job.attempts - 1))
        logger.warn({ job: job.id, kind: job.kind, attempts: job.attempts, retryInMs: delay, err: message }, 'KYC job failed: retrying')
        await settle(job, { runAt: new Date(clock.now() + delay), lastError: message })
      }
    }
  }

  const drain = async () => {
    let n = 0
    for (let job = await claim(); job && !stopped; job = await claim()) {
      await runOne(job)
      n++
    }
    return n
  }

  const runDue = (): Promise<number> => {
    // One pass at a time per instance: a kick during a pass is served by the next one.
    const next = (running ?? Promise.resolve(0)).then(drain, drain)
    running = next.catch((err: unknown) => {
      logger.error({ err: (err as Error).message }, 'KYC worker pass failed')
      return 0
    })
    return next
  }

  const schedule = () => {
    if (stopped) return
    timer = setTimeout(() => {
      void runDue()
        .catch(() => 0)
        .finally(schedule)
    }, opts.pollMs)
    timer.unref()
  }

  return {
    start: schedule,
    kick() {
      if (!stopped) void runDue().catch(() => 0)
    },
    runDue,
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await running
    },
  }
}
