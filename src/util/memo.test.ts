import { describe, expect, it } from 'vitest'
import { memoByString } from './memo.ts'

describe('memoByString', () => {
  it('computes a key once, then answers from memory', () => {
    let calls = 0
    const f = memoByString((k) => (calls++, k.toUpperCase()))
    expect([f('a'), f('b'), f('a'), f('a')]).toEqual(['A', 'B', 'A', 'A'])
    expect(calls).toBe(2)
  })

  it('stays bounded: past max entries it starts again', () => {
    let calls = 0
    const f = memoByString((k) => (calls++, k.length), 2)
    f('a')
    f('bb')
    f('ccc') // table full: starts again with ccc only
    expect(calls).toBe(3)
    f('ccc')
    expect(calls).toBe(3)
    f('a')
    expect(calls).toBe(4)
  })

  it('does not keep long keys', () => {
    let calls = 0
    const f = memoByString((k) => (calls++, k.length), 10, 4)
    f('12345')
    f('12345')
    expect(calls).toBe(2)
  })
})
