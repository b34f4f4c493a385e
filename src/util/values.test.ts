import { describe, expect, it } from 'vitest'
import { errorCodes, isUniqueViolation } from './errors.ts'
import { safeEqual } from './safe-equal.ts'
import { isBlank, isPlainObject } from './values.ts'

describe('isPlainObject', () => {
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [Object.create(null), true],
    [[], false],
    [null, false],
    ['x', false],
    [new Date(0), false],
    [new File([''], 'a'), false],
  ])('%o → %s', (v, expected) => expect(isPlainObject(v)).toBe(expected))
})

describe('isBlank (Ruby blank?)', () => {
  it.each([
    [undefined, true],
    [null, true],
    [false, true],
    ['', true],
    [' \t\n', true],
    [[], true],
    [{}, true],
    [true, false],
    [0, false],
    ['a', false],
    [[0], false],
    [{ a: 1 }, false],
    [new File([''], 'a'), false],
  ])('%o → %s', (v, expected) => expect(isBlank(v)).toBe(expected))
})

describe('safeEqual', () => {
  it('equal strings only', () => {
    expect(safeEqual('abc', 'abc')).toBe(true)
    expect(safeEqual('abc', 'abd')).toBe(false)
    expect(safeEqual('abc', 'abcd')).toBe(false)
    expect(safeEqual('', '')).toBe(true)
  })
})

describe('unique violations', () => {
  it('finds 23505 in the error or its causes', () => {
    const wrapped = new Error('insert failed', { cause: new Error('driver', { cause: Object.assign(new Error('pg'), { code: '23505' }) }) })
    expect(errorCodes(wrapped)).toEqual(['23505'])
    expect(isUniqueViolation(wrapped)).toBe(true)
    expect(isUniqueViolation(Object.assign(new Error('x'), { code: '23503' }))).toBe(false)
    expect(isUniqueViolation(null)).toBe(false)
  })
})
