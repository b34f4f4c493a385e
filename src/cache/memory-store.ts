import type { Store } from './store.ts'

interface Entry {
  value: string | Set<string>
  expiresAt: number | null
}

/** In-process store for one instance (the embedded default). Expiry is checked lazily and swept. */
export function createMemoryStore(now: () => number = Date.now): Store {
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

  const sweep = setInterval(() => {
    const t = now()
    for (const [k, e] of data) if (e.expiresAt !== null && e.expiresAt <= t) data.delete(k)
  }, 30_000)
  sweep.unref()

  return {
    kind: 'memory',
    async get(key) {
      return str(live(key))
    },
    async set(key, value, ttlMs) {
      data.set(key, { value, expiresAt: expiry(ttlMs) })
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false
      data.set(key, { value, expiresAt: expiry(ttlMs) })
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
      data.set(key, { value: String(n), expiresAt: e ? e.expiresAt : expiry(ttlMs) })
      return n
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
      data.set(key, { value: set, expiresAt: ttlMs === undefined ? (e?.expiresAt ?? null) : expiry(ttlMs) })
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
      channels.clear()
    },
  }
}
