/**
 * The short-lived state store (sessions, nonces, counters, one-time markers, invalidation messages):
 * Redis when REDIS_URL is set, an in-process map otherwise. Kept deliberately small.
 */
export interface Store {
  readonly kind: 'redis' | 'memory'
  get(key: string): Promise<string | null>
  /** ttlMs omitted: no expiry. */
  set(key: string, value: string, ttlMs?: number): Promise<void>
  /** SET NX PX: true when the key was absent and is now set. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>
  /** SET XX PX: rewrites a key only while it exists (a late write must not bring back what was deleted). */
  setIfPresent(key: string, value: string, ttlMs: number): Promise<boolean>
  /** Atomically reads and deletes (single-use markers). */
  take(key: string): Promise<string | null>
  del(...keys: string[]): Promise<number>
  /** INCR; the expiry is set when the counter is created. */
  incr(key: string, ttlMs: number): Promise<number>
  /** `incr` of every key, in one round trip (one per slot on a Cluster); the counts in the keys' order. */
  incrAll(keys: readonly string[], ttlMs: number): Promise<number[]>
  /** Takes one back from a counter made by incr, never below zero nor creating it; keeps its expiry. */
  decr(key: string): Promise<void>
  ttlMs(key: string): Promise<number | null>
  sadd(key: string, member: string, ttlMs?: number): Promise<void>
  /** The writes in order, in one round trip (one per slot on a Cluster); not atomic. */
  writeAll(ops: readonly StoreWrite[]): Promise<void>
  srem(key: string, member: string): Promise<void>
  smembers(key: string): Promise<string[]>
  publish(channel: string, message: string): Promise<void>
  /**
   * Deletes keys, removes members from a set and publishes a message as one step (MULTI): no instance can
   * read the deleted keys after the message went out, and no message is lost after the delete.
   */
  delAndPublish(op: { del: readonly string[]; srem?: { key: string; members: readonly string[] }; channel: string; message: string }): Promise<void>
  /** `onGap`: the subscription dropped, so messages may have been missed (it is renewed by itself). */
  subscribe(channel: string, handler: (message: string) => void, onGap?: () => void): Promise<() => Promise<void>>
  ping(): Promise<void>
  close(): Promise<void>
}

/** One write of `Store.writeAll`, as the method of the same name does it. */
export type StoreWrite =
  | { op: 'set'; key: string; value: string; ttlMs?: number }
  | { op: 'sadd'; key: string; member: string; ttlMs?: number }
  | { op: 'del'; key: string }
  | { op: 'decr'; key: string }

/** Raised when the store cannot answer: callers turn it into 503 server.store_unavailable. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`store unavailable: ${(cause as Error)?.message ?? String(cause)}`)
    this.name = 'StoreUnavailableError'
  }
}
