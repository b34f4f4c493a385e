import calculateSlot from 'cluster-key-slot'
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis'
import { createKeyBatch } from '../util/batch.ts'
import { StoreUnavailableError, type Store, type StoreWrite } from './store.ts'

export interface RedisStoreOptions {
  /** One URL, or several comma-separated: the seed nodes of a Redis Cluster. */
  url: string
  /** A Redis Cluster even when `url` names one node. */
  cluster?: boolean
  /** Redis Sentinel: the sentinels and the master's name (`url` gives the password and database only). */
  sentinel?: { sentinels: { host: string; port: number }[]; name: string }
  keyPrefix: string
  /** Every command fails after this long instead of queueing (fail closed). */
  commandTimeoutMs?: number
  onError?: (err: Error) => void
  /** A command failed or timed out (counted in /metrics). */
  onCommandError?: () => void
}

// SET NX with expiry, then INCR keeps its TTL; one script so a new counter never lives forever.
const INCR_WITH_TTL = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`
const DECR_IF_POSITIVE = `local v = tonumber(redis.call('GET', KEYS[1])) if v and v > 0 then redis.call('DECR', KEYS[1]) end return 0`
const TAKE = `local v = redis.call('GET', KEYS[1]) if v then redis.call('DEL', KEYS[1]) end return v`
// INCR_WITH_TTL for every key: the login limits count an account and an address in one command.
const INCR_MANY = `local out = {} for i = 1, #KEYS do local n = redis.call('INCR', KEYS[i]) if n == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end out[i] = n end return out`
// SET NX PX for every key of a batch (single-use nonces): one command instead of one per request.
const SET_NX_MANY = `local out = {} for i = 1, #KEYS do out[i] = redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2], 'NX') and 1 or 0 end return out`

interface BatchCommands {
  setNxMany(numKeys: number, ...args: (string | number)[]): Promise<number[]>
  incrMany(numKeys: number, ...args: (string | number)[]): Promise<number[]>
}
type ScriptedPipeline = ReturnType<Redis['pipeline']> & { decrIfPositive(key: string): unknown }

/** The seed nodes and the connection settings they share (credentials and TLS come from the first URL). */
function clusterSeeds(urls: string[]): { nodes: ClusterNode[]; auth: Pick<RedisOptions, 'username' | 'password' | 'tls'> } {
  const nodes = urls.map((u) => {
    const url = new URL(u)
    return { host: url.hostname, port: Number(url.port || 6379) }
  })
  const first = new URL(urls[0]!)
  return {
    nodes,
    auth: {
      ...(first.username && { username: decodeURIComponent(first.username) }),
      ...(first.password && { password: decodeURIComponent(first.password) }),
      ...(first.protocol === 'rediss:' && { tls: {} }),
    },
  }
}

/** The master found through Sentinel, with the password and database of `url`; ioredis follows a failover. */
function sentinelOptions(url: string, sentinel: NonNullable<RedisStoreOptions['sentinel']>, o: RedisOptions): RedisOptions {
  const u = new URL(url)
  const db = Number(u.pathname.slice(1) || 0)
  return {
    ...o,
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    db,
    ...(u.username && { username: decodeURIComponent(u.username) }),
    ...(u.password && { password: decodeURIComponent(u.password) }),
    ...(u.protocol === 'rediss:' && { tls: {} }),
  }
}

/** Indexes of `keys` grouped by hash slot: one group on one Redis, one per slot on a Cluster. */
function slotGroups(clustered: boolean, prefix: string, keys: readonly string[]): number[][] {
  if (!clustered) return [keys.map((_, i) => i)]
  const groups = new Map<number, number[]>()
  keys.forEach((k, i) => {
    const slot = calculateSlot(prefix + k)
    const g = groups.get(slot)
    if (g) g.push(i)
    else groups.set(slot, [i])
  })
  return [...groups.values()]
}

/**
 * Runs a multi-key command once per hash slot and puts the answers back in the keys' order. On one Redis it is
 * one command; on a Cluster a command may only name keys of one slot (CROSSSLOT otherwise).
 */
function perSlot<T>(clustered: boolean, prefix: string, run: (keys: string[]) => Promise<T[]>): (keys: string[]) => Promise<T[]> {
  if (!clustered) return run
  return async (keys) => {
    const groups = slotGroups(true, prefix, keys)
    if (groups.length === 1) return run(keys)
    const out = new Array<T>(keys.length)
    await Promise.all(
      groups.map(async (idx) => {
        const answers = await run(idx.map((i) => keys[i]!))
        idx.forEach((i, j) => (out[i] = answers[j]!))
      }),
    )
    return out
  }
}

/**
 * Redis store: no offline queue, short command timeout, key prefix per deployment. The hot path batches its
 * own commands (one MGET and one SET NX script at a time, util/batch.ts), so ioredis auto-pipelining is off: on top
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
  const urls = opts.url.split(',').map((u) => u.trim()).filter(Boolean)
  const clustered = opts.cluster === true || urls.length > 1
  const seeds = clustered ? clusterSeeds(urls) : undefined
  // A Cluster takes the key prefix and queueing rules itself, the timeouts per node connection.
  const connect = (o: RedisOptions): Redis =>
    seeds
      ? (new Cluster(seeds.nodes, {
          keyPrefix: o.keyPrefix,
          enableAutoPipelining: false,
          enableOfflineQueue: o.enableOfflineQueue,
          lazyConnect: true,
          maxRedirections: 4,
          clusterRetryStrategy: o.retryStrategy,
          redisOptions: { ...seeds.auth, connectTimeout: o.connectTimeout, commandTimeout: o.commandTimeout, maxRetriesPerRequest: o.maxRetriesPerRequest },
        }) as unknown as Redis)
      : opts.sentinel
        ? new Redis(sentinelOptions(opts.url, opts.sentinel, o))
        : new Redis(opts.url, o)
  const redis = connect(options) as Redis & BatchCommands
  redis.defineCommand('setNxMany', { lua: SET_NX_MANY })
  redis.defineCommand('incrMany', { lua: INCR_MANY })
  redis.defineCommand('decrIfPositive', { lua: DECR_IF_POSITIVE, numberOfKeys: 1 })
  const onError = opts.onError ?? (() => {})
  redis.on('error', onError)
  await redis.connect()
  let subscriber: Redis | null = null
  const handlers = new Map<string, Set<(m: string) => void>>()
  const gapHandlers = new Set<() => void>()
  const channelName = (c: string) => opts.keyPrefix + c

  // The hot path's reads and nonce writes of one tick go as one command each (measured in bench/); on a
  // Cluster, one per slot.
  const slots = <T>(run: (keys: string[]) => Promise<T[]>) => perSlot(clustered, opts.keyPrefix, run)
  const getBatch = createKeyBatch<string | null>(slots((keys) => redis.mget(keys)))
  const setNxBatches = new Map<string, (key: string) => Promise<number>>()
  const setNxBatch = (value: string, ttlMs: number) => {
    const id = `${ttlMs}:${value}`
    let batch = setNxBatches.get(id)
    if (!batch) {
      if (setNxBatches.size >= 64) setNxBatches.clear() // values vary: batches stay per call, the map bounded
      setNxBatches.set(id, (batch = createKeyBatch<number>(slots((keys) => redis.setNxMany(keys.length, ...keys, value, ttlMs)))))
    }
    return batch
  }

  // Every store failure becomes StoreUnavailableError (callers answer 503). A plain catch, not an async
  // wrapper: this sits on every authenticated request.
  const unavailable = (err: unknown): never => {
    opts.onCommandError?.()
    throw new StoreUnavailableError(err)
  }
  const guard = <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return fn().catch(unavailable)
    } catch (err) {
      return Promise.reject(new StoreUnavailableError(err))
    }
  }

  // Writes of one slot go as one pipeline: one socket write and one reply read for all of them.
  const writeAll = async (ops: readonly StoreWrite[]): Promise<void> => {
    await guard(() =>
      Promise.all(
        slotGroups(clustered, opts.keyPrefix, ops.map((o) => o.key)).map(async (idx) => {
          const p = redis.pipeline() as ScriptedPipeline
          for (const i of idx) {
            const o = ops[i]!
            if (o.op === 'set') (o.ttlMs === undefined ? p.set(o.key, o.value) : p.set(o.key, o.value, 'PX', o.ttlMs))
            else if (o.op === 'sadd') {
              p.sadd(o.key, o.member)
              if (o.ttlMs !== undefined) p.pexpire(o.key, o.ttlMs)
            } else if (o.op === 'del') p.del(o.key)
            else p.decrIfPositive(o.key)
          }
          const failed = (await p.exec())?.find(([err]) => err)
          if (failed) throw failed[0]
        }),
      ),
    )
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
    del: (...keys) =>
      guard(async () => {
        const groups = slotGroups(clustered, opts.keyPrefix, keys).filter((g) => g.length)
        const counts = await Promise.all(groups.map((idx) => redis.del(...idx.map((i) => keys[i]!))))
        return counts.reduce((a, b) => a + b, 0)
      }),
    incr: (key, ttlMs) => guard(async () => Number(await redis.eval(INCR_WITH_TTL, 1, key, ttlMs))),
    incrAll: (keys, ttlMs) => guard(() => perSlot(clustered, opts.keyPrefix, (ks) => redis.incrMany(ks.length, ...ks, ttlMs))([...keys])),
    async decr(key) {
      await guard(() => redis.eval(DECR_IF_POSITIVE, 1, key))
    },
    async ttlMs(key) {
      const t = await guard(() => redis.pttl(key))
      return t === -2 ? null : t
    },
    sadd(key, member, ttlMs) {
      return writeAll([{ op: 'sadd', key, member, ...(ttlMs !== undefined && { ttlMs }) }])
    },
    async srem(key, member) {
      await guard(() => redis.srem(key, member))
    },
    smembers: (key) => guard(() => redis.smembers(key)),
    async publish(channel, message) {
      await guard(() => redis.publish(channelName(channel), message))
    },
    writeAll,
    async delAndPublish(op) {
      await guard(async () => {
        // One MULTI per slot (one in all on a single Redis), the message only after every delete is done: no
        // instance reads a deleted key after hearing the message. On a Cluster the slots are separate steps: an
        // instance dying before the message leaves other replicas holding the entry until their next sliding
        // write finds the key gone (docs/architecture.md#redis-cluster).
        const srem = op.srem?.members.length ? op.srem : undefined
        const all = srem ? [...op.del, srem.key] : [...op.del]
        await Promise.all(
          slotGroups(clustered, opts.keyPrefix, all).map(async (idx) => {
            const m = redis.multi()
            const dels = idx.filter((i) => i < op.del.length).map((i) => all[i]!)
            if (dels.length) m.del(...dels)
            if (srem && idx.includes(op.del.length)) m.srem(srem.key, ...srem.members)
            if (!clustered) m.publish(channelName(op.channel), op.message)
            const results = await m.exec()
            const failed = results?.find(([err]) => err)
            if (!results || failed) throw failed?.[0] ?? new Error('MULTI aborted')
          }),
        )
        if (clustered) await redis.publish(channelName(op.channel), op.message)
      })
    },
    async subscribe(channel, handler, onGap) {
      if (onGap) gapHandlers.add(onGap)
      if (!subscriber) {
        // A subscriber connection must queue while reconnecting, or re-subscription is lost.
        subscriber = connect({ ...options, enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined })
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
