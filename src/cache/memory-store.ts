import type { Store } from './store.ts'

interface Entry {
  value: string | Set<string>
  expiresAt: number | null
}

/** In-process store for one instance (the embedded default). Expiry is checked lazily and swept. */
export function createMemoryStore(now: () => number = Date.now): Store & { readonly size: number; sweep(): void } {
  const data = new Map<string, Entry>()
  const channels = new Map<string, Set<(message: string) => void>>()

  const live = (key: string): Entry | undefined => {
    const e = data.get(key)
    if (e && e.expiresAt !== null && e.expiresAt <= now()) {
      data.delete(key)
      return undefined
    }
    return e
  }
  const expiry = (ttlMs?: number) => (ttlMs === undefined ? null : now() + ttlMs)
  const str = (e: Entry | undefined) => (e && typeof e.value === 'string' ? e.value : null)

  // Expiring keys are filed under the second they expire in; each second the sweep drops what fell due, without
  // scanning the whole map. A full scan every 30 s let spent API-key nonces pile up (216 MB at 20k req/s).
  const due = new Map<number, string[]>()
  let swept = Math.floor(now() / 1000)
  const put = (key: string, entry: Entry) => {
    data.set(key, entry)
    if (entry.expiresAt === null) return
    const second = Math.ceil(entry.expiresAt / 1000)
    const bucket = due.get(second)
    if (bucket) bucket.push(key)
    else due.set(second, [key])
  }
  const sweepDue = () => {
    const t = now()
    const upTo = Math.floor(t / 1000)
    for (let second = swept + 1; second <= upTo; second++) {
      for (const key of due.get(second) ?? []) {
        const e = data.get(key)
        // The key may have been set again since: only an entry that is really past its time goes.
        if (e && e.expiresAt !== null && e.expiresAt <= t) data.delete(key)
      }
      due.delete(second)
    }
    swept = Math.max(swept, upTo)
  }
  const sweep = setInterval(sweepDue, 1000)
  sweep.unref()

  return {
    kind: 'memory',
    /** Entries held, expired or not (for tests and diagnostics). */
    get size() {
      return data.size
    },
    sweep: sweepDue,
    async get(key) {
      return str(live(key))
    },
    async set(key, value, ttlMs) {
      put(key, { value, expiresAt: expiry(ttlMs) })
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false
      put(key, { value, expiresAt: expiry(ttlMs) })
      return true
    },
    async setIfPresent(key, value, ttlMs) {
      if (!live(key)) return false
      put(key, { value, expiresAt: expiry(ttlMs) })
      return true
    },
    async take(key) {
      const v = str(live(key))
      data.delete(key)
      return v
    },
    async del(...keys) {
      let n = 0
      for (const k of keys) if (live(k) && data.delete(k)) n++
      return n
    },
    async incr(key, ttlMs) {
      const e = live(key)
      const n = (e ? Number(e.value) : 0) + 1
      if (e) e.value = String(n)
      else put(key, { value: String(n), expiresAt: expiry(ttlMs) })
      return n
    },
    async incrAll(keys, ttlMs) {
      const out: number[] = []
      for (const k of keys) out.push(await this.incr(k, ttlMs))
      return out
    },
    async writeAll(ops) {
      for (const o of ops) {
        if (o.op === 'set') await this.set(o.key, o.value, o.ttlMs)
        else if (o.op === 'sadd') await this.sadd(o.key, o.member, o.ttlMs)
        else if (o.op === 'del') await this.del(o.key)
        else await this.decr(o.key)
      }
    },
    async decr(key) {
      const e = live(key)
      if (e && typeof e.value === 'string' && Number(e.value) > 0) e.value = String(Number(e.value) - 1)
    },
    async ttlMs(key) {
      const e = live(key)
      if (!e) return null
      return e.expiresAt === null ? -1 : e.expiresAt - now()
    },
    async sadd(key, member, ttlMs) {
      const e = live(key)
      const set = e && e.value instanceof Set ? e.value : new Set<string>()
      set.add(member)
      if (ttlMs === undefined && e) e.value = set
      else put(key, { value: set, expiresAt: ttlMs === undefined ? null : expiry(ttlMs) })
    },
    async srem(key, member) {
      const e = live(key)
      if (e && e.value instanceof Set) {
        e.value.delete(member)
        if (e.value.size === 0) data.delete(key)
      }
    },
    async smembers(key) {
      const e = live(key)
      return e && e.value instanceof Set ? [...e.value] : []
    },
    async publish(channel, message) {
      for (const h of channels.get(channel) ?? []) queueMicrotask(() => h(message))
    },
    async delAndPublish(op) {
      for (const k of op.del) data.delete(k)
      if (op.srem) for (const m of op.srem.members) await this.srem(op.srem.key, m)
      await this.publish(op.channel, op.message)
    },
    async subscribe(channel, handler) {
      let set = channels.get(channel)
      if (!set) channels.set(channel, (set = new Set()))
      set.add(handler)
      return async () => {
        set.delete(handler)
      }
    },
    async ping() {},
    async close() {
      clearInterval(sweep)
      data.clear()
      due.clear()
      channels.clear()
    },
  }
}
