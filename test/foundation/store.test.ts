import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../src/cache/store.ts'
import { freshStore } from '../helpers/app.ts'

// The hot path's reads and nonce writes of one tick are batched into one command (MGET, one script for
// SET NX): the answers must be exactly those of one command per call.
describe(`store batching (${process.env.REDIS_URL ? 'Redis' : 'in-process'})`, () => {
  let store: Store
  let cleanup: () => Promise<void>
  beforeAll(async () => {
    ;({ store, cleanup } = await freshStore())
  })
  afterAll(async () => {
    await store.close()
    await cleanup()
  })

  it('reads of one tick each get their own key, a missing key null', async () => {
    await store.set('b:1', 'one', 60_000)
    await store.set('b:2', 'two', 60_000)
    expect(await Promise.all([store.get('b:1'), store.get('b:missing'), store.get('b:2'), store.get('b:1')])).toEqual(['one', null, 'two', 'one'])
  })

  it('setIfAbsent: the same key twice in one tick is won once; other keys and TTLs are independent', async () => {
    const results = await Promise.all([
      store.setIfAbsent('n:a', '1', 10_000),
      store.setIfAbsent('n:a', '1', 10_000),
      store.setIfAbsent('n:b', '1', 10_000),
      store.setIfAbsent('n:c', 'x', 500),
    ])
    expect(results).toEqual([true, false, true, true])
    expect(await store.setIfAbsent('n:a', '1', 10_000)).toBe(false)
    expect(await store.get('n:c')).toBe('x')
    const ttl = await store.ttlMs('n:c')
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(500)
    expect(await store.ttlMs('n:b')).toBeGreaterThan(5_000)
  })

  it('setIfPresent rewrites a live key with its new expiry, and never creates one', async () => {
    expect(await store.setIfPresent('p:absent', 'x', 10_000)).toBe(false)
    expect(await store.get('p:absent')).toBeNull()
    await store.set('p:live', 'old', 1_000)
    expect(await store.setIfPresent('p:live', 'new', 60_000)).toBe(true)
    expect(await store.get('p:live')).toBe('new')
    expect(await store.ttlMs('p:live')).toBeGreaterThan(30_000)
    await store.del('p:live')
    expect(await store.setIfPresent('p:live', 'again', 60_000)).toBe(false)
    expect(await store.get('p:live')).toBeNull()
  })

  it('many calls in one tick (past one batch) all answer', async () => {
    const n = 1200
    const won = await Promise.all(Array.from({ length: n }, (_, i) => store.setIfAbsent(`m:${i % 600}`, '1', 10_000)))
    expect(won.filter(Boolean)).toHaveLength(600)
    const read = await Promise.all(Array.from({ length: n }, (_, i) => store.get(`m:${i}`)))
    expect(read.filter((v) => v === '1')).toHaveLength(600)
  })
})

describe(`store counters (${process.env.REDIS_URL ? 'Redis' : 'in-process'})`, () => {
  let store: Store
  let cleanup: () => Promise<void>
  beforeAll(async () => {
    ;({ store, cleanup } = await freshStore())
  })
  afterAll(async () => {
    await store.close()
    await cleanup()
  })

  it('decr takes one back, never below zero, keeps the expiry and creates nothing', async () => {
    expect(await store.incr('c:a', 10_000)).toBe(1)
    expect(await store.incr('c:a', 10_000)).toBe(2)
    await store.decr('c:a')
    expect(await store.get('c:a')).toBe('1')
    await store.decr('c:a')
    await store.decr('c:a')
    expect(await store.get('c:a')).toBe('0')
    expect(await store.ttlMs('c:a')).toBeGreaterThan(5_000)
    expect(await store.incr('c:a', 10_000)).toBe(1)
    await store.decr('c:missing')
    expect(await store.get('c:missing')).toBeNull()
  })

  it('incrAll counts every key as incr does, the expiry set only when a counter is created', async () => {
    expect(await store.incrAll(['m:a', 'm:b'], 10_000)).toEqual([1, 1])
    expect(await store.incrAll(['m:a', 'm:b', 'm:c'], 60_000)).toEqual([2, 2, 1])
    expect(await store.ttlMs('m:a')).toBeLessThanOrEqual(10_000)
    expect(await store.ttlMs('m:c')).toBeGreaterThan(10_000)
  })

  it('writeAll applies its writes in order: set, sadd with expiry, del, decr', async () => {
    await store.set('w:gone', 'x', 60_000)
    expect(await store.incr('w:count', 60_000)).toBe(1)
    await store.writeAll([
      { op: 'set', key: 'w:s', value: 'v', ttlMs: 5_000 },
      { op: 'sadd', key: 'w:set', member: 'a', ttlMs: 7_000 },
      { op: 'sadd', key: 'w:set', member: 'b', ttlMs: 9_000 },
      { op: 'del', key: 'w:gone' },
      { op: 'decr', key: 'w:count' },
      { op: 'decr', key: 'w:count' },
      { op: 'decr', key: 'w:never' },
    ])
    expect(await store.get('w:s')).toBe('v')
    expect(await store.ttlMs('w:s')).toBeLessThanOrEqual(5_000)
    expect((await store.smembers('w:set')).sort()).toEqual(['a', 'b'])
    expect(await store.ttlMs('w:set')).toBeGreaterThan(7_000)
    expect(await store.get('w:gone')).toBeNull()
    expect(await store.get('w:count')).toBe('0')
    expect(await store.get('w:never')).toBeNull()
  })
})
