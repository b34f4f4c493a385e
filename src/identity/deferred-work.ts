import type { Logger } from 'pino'

export interface DeferredWork {
  /**
   * Runs `job` after the current request has answered, one job at a time in the order deferred.
   * For work whose duration must not show in the answer (whether an account exists).
   */
  defer(name: string, job: () => Promise<void>): void
  /** Resolves once every job deferred so far, and any they deferred, has finished. */
  settled(): Promise<void>
}

/** At most `maxPending` jobs wait; beyond that a job is dropped with a warning rather than queued without bound. */
export function createDeferredWork(logger: Logger, maxPending = 1000): DeferredWork {
  let tail: Promise<void> = Promise.resolve()
  let pending = 0
  return {
    defer(name, job) {
      if (pending >= maxPending) {
        logger.warn({ job: name, pending }, 'deferred work queue full: job dropped')
        return
      }
      pending++
      tail = tail
        // setImmediate: the answer is written before the job starts.
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(job)
        .catch((err: unknown) => logger.error({ job: name, err: (err as Error)?.message ?? String(err) }, 'deferred job failed'))
        .finally(() => {
          pending--
        })
    },
    async settled() {
      for (let seen = tail; ; seen = tail) {
        await seen
        if (seen === tail) return
      }
    },
  }
}
