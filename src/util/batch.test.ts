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

  it('keys asked for while a call is out leave together when it answers, not one call per tick', async () => {
    const calls: string[][] = []
    const answers: (() => void)[] = []
    const get = createKeyBatch<string>(
      (keys) =>
        new Promise((resolve) => {
          calls.push(keys)
          answers.push(() => resolve(keys.map((k) => `v:${k}`)))
        }),
    )
    const first = get('a')
    await new Promise((r) => setImmediate(r)) // a tick later: 'a' is out
    expect(calls).toEqual([['a']])
    const later = [get('b')]
    await new Promise((r) => setImmediate(r))
    later.push(get('c')) // another tick, still waiting for the first answer
    await new Promise((r) => setImmediate(r))
    expect(calls).toEqual([['a']])
    answers[0]!()
    expect(await first).toBe('v:a')
    expect(calls).toEqual([['a'], ['b', 'c']])
    answers[1]!()
    expect(await Promise.all(later)).toEqual(['v:b', 'v:c'])
    expect(await Promise.race([get('d'), new Promise((r) => setImmediate(() => r('not sent')))])).toBe('not sent')
    expect(calls).toEqual([['a'], ['b', 'c'], ['d']]) // idle again: sent at the end of its tick
    answers[2]!()
  })

  it('a failed call lets the keys that waited for it go out', async () => {
    let n = 0
    const get = createKeyBatch<number>(async (keys) => {
      if (n++ === 0) {
        await new Promise((r) => setImmediate(r))
        throw new Error('store down')
      }
      return keys.map((k) => k.length)
    })
    const first = get('a')
    await new Promise((r) => process.nextTick(r))
    const second = get('bb')
    await expect(first).rejects.toThrow('store down')
    expect(await second).toBe(2)
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
