/**
 * The instance's bounded memory of the sessions it has seen, and the lease that makes deciding from it safe
 * (docs/architecture.md "Session replica"). An entry may answer only while the lease holds: the newest of this
 * instance's own heartbeats that came back through the store's channel was sent less than `leaseMs` ago. Redis
 * delivers a channel's messages in order, so a heartbeat received back means every session-end message published
 * before it was received too. Whenever messages may have been missed — the lease ran out, a heartbeat is missing
 * from the sequence, the subscription dropped — everything held is forgotten: what comes back is read anew.
 */
export interface SessionReplica<T> {
  /** The entry, when held and the lease is valid; otherwise undefined (read the store). */
  get(hash: string): T | undefined
  /** A stamp to take before reading the store; `put` ignores the read if an end may have overtaken it. */
  mark(): number
  put(hash: string, data: T, mark: number): void
  drop(hashes: Iterable<string>): void
  /** This instance's heartbeat number `seq`, sent at monotonic time `sentAt`, came back. */
  heartbeat(seq: number, sentAt: number): void
  /** Messages may have been lost (the subscription dropped): forget everything. */
  forgetAll(): void
  leaseHeld(): boolean
  readonly size: number
}

export interface ReplicaOptions {
  maxEntries: number
  leaseMs: number
  /** Monotonic milliseconds (performance.now): the lease must not follow wall-clock jumps. */
  monotonic: () => number
  /** Ends remembered to refuse a read that an end overtook (older ones: every such read is refused). */
  recentEnds?: number
}

export function createSessionReplica<T>(opts: ReplicaOptions): SessionReplica<T> {
  // Map keeps insertion order: the first key is the least recently used once hits re-insert their key.
  const entries = new Map<string, T>()
  const recentEnds = opts.recentEnds ?? 10_000
  let lastBeat = Number.NEGATIVE_INFINITY
  let lastSeq = -1
  // Every end and every forget advances `seq`; a read stamped before an end of its hash must not be kept.
  let seq = 0
  let floor = 0
  const endedAt = new Map<string, number>()

  const leaseHeld = () => opts.monotonic() - lastBeat < opts.leaseMs
  const forgetAll = () => {
    entries.clear()
    endedAt.clear()
    floor = ++seq
  }

  return {
    get(hash) {
      if (!leaseHeld()) {
        if (entries.size) forgetAll()
        return undefined
      }
      const data = entries.get(hash)
      if (data === undefined) return undefined
      entries.delete(hash)
      entries.set(hash, data)
      return data
    },
    mark: () => seq,
    put(hash, data, mark) {
      if (opts.maxEntries <= 0 || !leaseHeld() || mark < floor) return
      const ended = endedAt.get(hash)
      if (ended !== undefined && ended > mark) return
      entries.delete(hash)
      entries.set(hash, data)
      if (entries.size > opts.maxEntries) entries.delete(entries.keys().next().value as string)
    },
    drop(hashes) {
      for (const h of hashes) {
        entries.delete(h)
        endedAt.delete(h)
        endedAt.set(h, ++seq)
      }
      while (endedAt.size > recentEnds) {
        const [oldest, at] = endedAt.entries().next().value as [string, number]
        endedAt.delete(oldest)
        floor = Math.max(floor, at)
      }
    },
    heartbeat(beatSeq, sentAt) {
      // A gap in the sequence, or a lease that ran out before this beat: messages may have been lost.
      if (beatSeq !== lastSeq + 1 || !leaseHeld()) forgetAll()
      lastSeq = beatSeq
      if (sentAt > lastBeat) lastBeat = sentAt
    },
    forgetAll,
    leaseHeld,
    get size() {
      return entries.size
    },
  }
}
