import { Redis } from 'ioredis'
import { createKeyBatch } from '../util/batch.ts'
import { StoreUnavailableError, type Store } from './store.ts'

export interface RedisStoreOptions {
  url: string
  keyPrefix: string
  /** Every command fails after this long instead of queueing (fail closed). */
  commandTimeoutMs?: number
  onError?: (err: Error) => void
}

// SET NX with expiry, then INCR keeps its TTL; one script so a new counter never lives forever.
const INCR_WITH_TTL = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`
const DECR_IF_POSITIVE = `local v = tonumber(redis.call('GET', KEYS[1])) if v and v > 0 then redis.call('DECR', KEYS[1]) end return 0`
const TAKE = `local v = redis.call('GET', KEYS[1]) if v then redis.call('DEL', KEYS[1]) end return v`
// SET NX PX for every key of a batch (single-use nonces): one command instead of one per request.
const SET_NX_MANY = `local out = {} for i = 1, #KEYS do out[i] = redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0 end return out`

interface BatchCommands {
  setNxMany(numKeys: number, ...args: (string | number)[]): Promise<number[]>
}

/**
 * Redis store: no offline queue, short command timeout, key prefix per deployment. The hot path batches its
 * own commands (one MGET and one SET NX script per event-loop turn), so ioredis auto-pipelining is off: on top
 * of that batching it only added a Pipeline object and a tick per batch (README "Performance": about −15 %).
 */
export async function createRedisStore(opts: RedisStoreOptions): Promise<Store> {
  const options = {
    keyPrefix: opts.keyPrefix,
    enableAutoPipelining: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs ?? 500,
    connectTimeout: 2000,
    lazyConnect: true,
    retryStrategy: (times: number) => Math.min(times * 100, 2000),
  }
  const redis = new Redis(opts.url, options) as Redis & BatchCommands
  redis.defineCommand('setNxMany', { lua: SET_NX_MANY })
  const onError = opts.onError ?? (() => {})
  redis.on('error', onError)
  await redis.connect()
  let subscriber: Redis | null = null
  const handlers = new Map<string, Set<(m: string) => void>>()
  const gapHandlers = new Set<() => void>()
  const channelName = (c: string) => opts.keyPrefix + c

  // The hot path's reads and nonce writes of one tick go as one command each (measured in bench/). This is
  // for one Redis (or Sentinel): on a Cluster these multi-key commands would have to be split by slot.
  const getBatch = createKeyBatch<string | null>((keys) => redis.mget(keys))
  const setNxBatches = new Map<string, (key: string) => Promise<number>>()
  const setNxBatch = (value: string, ttlMs: number) => {
    const id = `${ttlMs}:${value}`
    let batch = setNxBatches.get(id)
    if (!batch) {
      if (setNxBatches.size >= 64) setNxBatches.clear() // values vary: batches stay per call, the map bounded
      setNxBatches.set(id, (batch = createKeyBatch<number>((keys) => redis.setNxMany(keys.length, ...keys, value, ttlMs))))
    }
    return batch
  }

  // Every store failure becomes StoreUnavailableError (callers answer 503). A plain catch, not an async
  // wrapper: this sits on every authenticated request.
  const unavailable = (err: unknown): never => {
    throw new StoreUnavailableError(err)
  }
  const guard = <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return fn().catch(unavailable)
    } catch (err) {
      return Promise.reject(new StoreUnavailableError(err))
    }
  }

  return {
    kind: 'redis',
    get: (key) => guard(() => getBatch(key)),
    async set(key, value, ttlMs) {
      await guard(() => (ttlMs === undefined ? redis.set(key, value) : redis.set(key, value, 'PX', ttlMs)))
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await guard(() => setNxBatch(value, ttlMs)(key))) === 1
    },
    setIfPresent: (key, value, ttlMs) => guard(async () => (await redis.set(key, value, 'PX', ttlMs, 'XX')) === 'OK'),
    take: (key) => guard(async () => (await redis.eval(TAKE, 1, key)) as string | null),
    del: (...keys) => guard(() => (keys.length ? redis.del(...keys) : Promise.resolve(0))),
    incr: (key, ttlMs) => guard(async () => Number(await redis.eval(INCR_WITH_TTL, 1, key, ttlMs))),
    async decr(key) {
      await guard(() => redis.eval(DECR_IF_POSITIVE, 1, key))
    },
    async ttlMs(key) {
      const t = await guard(() => redis.pttl(key))
      return t === -2 ? null : t
    },
    async sadd(key, member, ttlMs) {
      await guard(async () => {
        await redis.sadd(key, member)
        if (ttlMs !== undefined) await redis.pexpire(key, ttlMs)
      })
    },
    async srem(key, member) {
      await guard(() => redis.srem(key, member))
    },
    smembers: (key) => guard(() => redis.smembers(key)),
    async publish(channel, message) {
      await guard(() => redis.publish(channelName(channel), message))
    },
    async delAndPublish(op) {
      await guard(async () => {
        const m = redis.multi()
        if (op.del.length) m.del(...op.del)
        if (op.srem?.members.length) m.srem(op.srem.key, ...op.srem.members)
        m.publish(channelName(op.channel), op.message)
        const results = await m.exec()
        const failed = results?.find(([err]) => err)
        if (!results || failed) throw failed?.[0] ?? new Error('MULTI aborted')
      })
    },
    async subscribe(channel, handler, onGap) {
      if (onGap) gapHandlers.add(onGap)
      if (!subscriber) {
        // A subscriber connection must queue while reconnecting, or re-subscription is lost.
        subscriber = new Redis(opts.url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined })
        subscriber.on('error', onError)
        subscriber.on('close', () => {
          for (const g of gapHandlers) g()
        })
        subscriber.on('message', (ch: string, msg: string) => {
          for (const h of handlers.get(ch) ?? []) h(msg)
        })
        await subscriber.connect()
      }
      const name = channelName(channel)
      let set = handlers.get(name)
      if (!set) {
        handlers.set(name, (set = new Set()))
        await subscriber.subscribe(name)
      }
      set.add(handler)
      return async () => {
        set.delete(handler)
        if (onGap) gapHandlers.delete(onGap)
      }
    },
    async ping() {
      await guard(() => redis.ping())
    },
    async close() {
      await Promise.allSettled([redis.quit(), subscriber?.quit()])
    },
  }
}
