import { describe, expect, it } from 'vitest'
import { createKeyBatch, createTickBatch } from './batch.ts'

const turn = () => new Promise((r) => setImmediate(r))

describe('createTickBatch', () => {
  it('runs nothing synchronously, then everything queued in this turn, in order', async () => {
    const ran: number[] = []
    const later = createTickBatch<number>((n) => ran.push(n), () => {})
    later(1)
    later(2)
    later(3)
    expect(ran).toEqual([])
    await turn()
    expect(ran).toEqual([1, 2, 3])
    later(4)
    await turn()
    expect(ran).toEqual([1, 2, 3, 4])
  })

  it('a throwing item is reported and the rest of the batch still runs', async () => {
    const ran: number[] = []
    const errors: unknown[] = []
    const later = createTickBatch<number>((n) => {
      if (n === 2) throw new Error('boom')
      ran.push(n)
    }, (e) => errors.push(e))
    for (const n of [1, 2, 3]) later(n)
    await turn()
    expect(ran).toEqual([1, 3])
    expect(errors).toHaveLength(1)
    expect((errors[0] as Error).message).toBe('boom')
  })
})

describe('createKeyBatch', () => {
  it('keys asked for in one tick go in one call, each caller gets its own value', async () => {
    const calls: string[][] = []
    const get = createKeyBatch<string>(async (keys) => {
      calls.push(keys)
      return keys.map((k) => `v:${k}`)
    })
    const values = await Promise.all([get('a'), get('b'), get('a')])
    expect(values).toEqual(['v:a', 'v:b', 'v:a'])
    expect(calls).toEqual([['a', 'b', 'a']])
    expect(await get('c')).toBe('v:c')
    expect(calls).toEqual([['a', 'b', 'a'], ['c']])
  })

  it('a failed call rejects every caller of that batch, and the next batch works', async () => {
    let fail = true
    const get = createKeyBatch<number>(async (keys) => {
      if (fail) throw new Error('store down')
      return keys.map((k) => k.length)
    })
    const results = await Promise.allSettled([get('a'), get('bb')])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('store down')
    fail = false
    expect(await get('ccc')).toBe(3)
  })

  it('a synchronous throw of the call rejects too (never an unhandled exception)', async () => {
    const get = createKeyBatch<number>(() => {
      throw new Error('sync')
    })
    await expect(get('a')).rejects.toThrow('sync')
  })

  it('a large tick is split at maxBatch', async () => {
    const sizes: number[] = []
    const get = createKeyBatch<string>(async (keys) => {
      sizes.push(keys.length)
      return keys
    }, 4)
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`)
    expect(await Promise.all(keys.map(get))).toEqual(keys)
    expect(sizes).toEqual([4, 4, 2])
  })
})
