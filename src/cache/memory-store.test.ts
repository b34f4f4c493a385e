import { describe, expect, it } from 'vitest'
import { createMemoryStore } from './memory-store.ts'

describe('in-process store expiry', () => {
  it('spent keys are dropped once due, without waiting for a read; re-set keys stay', async () => {
    let t = 1_000_000
    const store = createMemoryStore(() => t)
    for (let i = 0; i < 1000; i++) await store.setIfAbsent(`nonce:${i}`, '1', 10_000)
    await store.set('session', 'a', 5_000)
    await store.set('forever', 'x')
    expect(store.size).toBe(1002)
    t += 6_000
    await store.set('session', 'b', 5_000) // set again: its first expiry no longer applies
    store.sweep()
    expect(store.size).toBe(1002)
    t += 5_000
    store.sweep()
    expect(store.size).toBe(1) // the nonces and the session are gone; the key without expiry stays
    expect(await store.get('forever')).toBe('x')
    expect(await store.get('session')).toBeNull()
    await store.close()
  })

  it('a counter and a set keep their expiry when updated', async () => {
    let t = 5_000_000
    const store = createMemoryStore(() => t)
    expect(await store.incr('c', 2_000)).toBe(1)
    t += 1_000
    expect(await store.incr('c', 2_000)).toBe(2)
    expect(await store.ttlMs('c')).toBe(1_000)
    await store.sadd('s', 'a', 3_000)
    await store.sadd('s', 'b')
    expect(await store.ttlMs('s')).toBe(3_000)
    t += 3_500
    store.sweep()
    expect(store.size).toBe(0)
    await store.close()
  })
})
