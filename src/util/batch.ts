/**
 * Two ways of grouping per-request work, both for the gateway's hot path.
 *
 * - `createTickBatch`: work queued while Node reads sockets runs together once that I/O phase is over
 *   (setImmediate). Requests parsed in one event-loop turn are then decided together, so their store reads
 *   leave as one round trip and their answers as one burst of writes, instead of a read, a decision and a
 *   write interleaved per socket (README "Performance" has the figures).
 * - `createKeyBatch`: calls made in the same tick become one call with every key (one MGET instead of N GETs), and
 *   while one such call is out, the next waits for its answer and gathers what arrives meanwhile.
 */

/** Queues items and runs them in arrival order at the end of the current I/O phase. `run` should not throw. */
export function createTickBatch<T>(run: (item: T) => void, onError: (err: unknown) => void): (item: T) => void {
  let queue: T[] = []
  const drain = () => {
    const items = queue
    queue = []
    for (const item of items) {
      try {
        run(item)
      } catch (err) {
        onError(err) // one failing item must not strand the rest of the batch
      }
    }
  }
  return (item) => {
    if (queue.push(item) === 1) setImmediate(drain)
  }
}

/**
 * Collects the keys asked for in one tick and resolves each from a single `exec(keys)` call, whose answer
 * must have one entry per key in the same order. A failure of that call rejects every caller.
 *
 * One call is in flight at a time: keys asked for while one is out wait for its answer and then leave together
 * (as a TCP sender with Nagle's algorithm does). Under load a store round trip then serves the requests of several
 * event-loop turns instead of one (README "Performance"); when idle, a key still leaves at the end of its tick.
 * A full batch (`maxBatch`) leaves at once, in flight or not, so that a slow answer never holds back more.
 */
export function createKeyBatch<V>(exec: (keys: string[]) => Promise<V[]>, maxBatch = 512): (key: string) => Promise<V> {
  let keys: string[] = []
  let waiters: { resolve(v: V): void; reject(e: unknown): void }[] = []
  let inFlight = 0
  const send = () => {
    const w = waiters
    const k = keys
    keys = []
    waiters = []
    inFlight++
    let pending: Promise<V[]>
    try {
      pending = exec(k)
    } catch (err) {
      pending = Promise.reject(err)
    }
    pending.then(
      (values) => {
        answered()
        for (let i = 0; i < w.length; i++) w[i]!.resolve(values[i] as V)
      },
      (err: unknown) => {
        answered()
        for (const x of w) x.reject(err)
      },
    )
  }
  const answered = () => {
    inFlight--
    if (inFlight === 0 && keys.length) send() // what waited for this answer
  }
  const flush = () => {
    if (inFlight === 0 && keys.length) send()
  }
  return (key) =>
    new Promise<V>((resolve, reject) => {
      if (keys.push(key) === 1) process.nextTick(flush)
      waiters.push({ resolve, reject })
      if (keys.length >= maxBatch) send() // a very large tick is split, so one reply stays small
    })
}
