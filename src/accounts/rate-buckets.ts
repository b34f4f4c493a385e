import type { Store } from '../cache/store.ts'

export interface Bucket {
  key: string
  max: number
}

/**
 * Counts one request in every bucket (INCR before the work, so parallel requests cannot all slip in
 * before the counters catch up); true while every bucket is within its maximum for the window.
 */
export async function countInBuckets(store: Store, buckets: readonly Bucket[], windowMs: number): Promise<boolean> {
  const counts = await store.incrAll(buckets.map((b) => b.key), windowMs)
  return buckets.every((b, i) => (counts[i] ?? 0) <= b.max)
}
