import { describe, expect, it } from 'vitest'
import { isoDate, validateParams } from '../../src/http/params.ts'

const signup = {
  email: { type: 'string', required: true, allowBlank: false },
  password: { type: 'string', required: true, allowBlank: false },
  refid: { type: 'string' },
} as const

describe("validateParams: Grape's keys", () => {
  it('an absent non-blank param yields missing then empty, in declaration order', () => {
    expect(validateParams('identity.user', signup, {})).toEqual({
      ok: false,
      errors: ['identity.user.missing_email', 'identity.user.empty_email', 'identity.user.missing_password', 'identity.user.empty_password'],
    })
  })
  it('a blank value yields only empty', () => {
    expect(validateParams('identity.user', signup, { email: '  ', password: 'x' })).toEqual({ ok: false, errors: ['identity.user.empty_email'] })
  })
  it('custom keys, type coercion, values, ranges', () => {
    const spec = {
      page: { type: 'integer', default: 1, invalid: 'non_integer_page', min: 1, rangeError: 'non_positive_page' },
      extended: { type: 'boolean', default: false, invalid: 'admin.user.non_boolean_extended' },
      verb: { type: 'string', values: ['get', 'post'], valuesIgnoreCase: true, valueError: 'admin.permissions.invalid_verb' },
    } as const
    expect(validateParams('x', spec, {})).toEqual({ ok: true, value: { page: 1, extended: false } })
    expect(validateParams('x', spec, { page: '2', extended: '1', verb: 'GET' })).toEqual({ ok: true, value: { page: 2, extended: true, verb: 'GET' } })
    expect(validateParams('x', spec, { page: 'two', extended: 'maybe', verb: 'trace' })).toEqual({
      ok: false,
      errors: ['non_integer_page', 'admin.user.non_boolean_extended', 'admin.permissions.invalid_verb'],
    })
    expect(validateParams('x', spec, { page: '0' })).toEqual({ ok: false, errors: ['non_positive_page'] })
  })
  it('ignores prototype keys and undeclared params', () => {
    const raw = JSON.parse('{"__proto__": {"admin": true}, "email": "a@b.c", "password": "p", "role": "superadmin"}')
    const r = validateParams('identity.user', signup, raw)
    expect(r).toEqual({ ok: true, value: { email: 'a@b.c', password: 'p' } })
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
  })
  it('refuses control characters and lone surrogates anywhere in a value, with the param key', () => {
    const spec = {
      email: { type: 'string', required: true },
      captcha_response: { type: 'any' },
      page: { type: 'integer', invalid: 'non_integer_page' },
    } as const
    expect(validateParams('identity.session', spec, { email: 'a\u0000@b.c', captcha_response: { x: ['ok', 'b\u001b'] }, page: '1\u0000' })).toEqual({
      ok: false,
      errors: ['identity.session.invalid_email', 'identity.session.invalid_captcha_response', 'non_integer_page'],
    })
    expect(validateParams('p', spec, { email: 'x\ud800' })).toEqual({ ok: false, errors: ['p.invalid_email'] })
    expect(validateParams('p', spec, { email: 'x', captcha_response: { 'k\u0007': 'v' } })).toEqual({ ok: false, errors: ['p.invalid_captcha_response'] })
    expect(validateParams('p', spec, { email: 'tab\there\r\nok 😀 \u00e9' })).toEqual({ ok: true, value: { email: 'tab\there\r\nok 😀 \u00e9' } })
  })
  it('a required param sent as null is invalid, not handed over', () => {
    expect(validateParams('p', { password: { type: 'string', required: true } }, { password: null })).toEqual({ ok: false, errors: ['invalid'] })
  })
})

describe('dates as Grape coerces them (Ruby Date.parse), as front ends send them', () => {
  it.each([
    ['1990-04-01', '1990-04-01'],
    ['1990/4/1', '1990-04-01'],
    ['01/04/1990', '1990-04-01'],
    ['1-4-1990', '1990-04-01'],
    ['01.04.1990', '1990-04-01'],
    [' 2999-12-31 ', '2999-12-31'],
    ['31/02/1990', null],
    ['1990-13-01', null],
    ['01/04-1990', null],
    ['April 1st', null],
    ['19900401', null],
  ])('%s → %s', (input, expected) => {
    expect(isoDate(input)).toBe(expected)
  })

  it('a date parameter is handed on as YYYY-MM-DD', () => {
    expect(validateParams('p', { dob: { type: 'date' } }, { dob: '01/04/1990' })).toEqual({ ok: true, value: { dob: '1990-04-01' } })
  })
})
