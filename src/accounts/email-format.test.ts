import { describe, expect, it } from 'vitest'
import { isValidEmail } from './email-format.ts'

// Expected verdicts below were cross-checked against the gem's strict regexp + validate_each run in Ruby 3.1.

describe('isValidEmail (email_validator strict mode, spec §9.2)', () => {
  it.each([
    'user@example.com',
    'user@localhost',
    'First.Last+tag@sub.example.co.uk',
    'josé@example.com',
    'Ünïcödé@example.com',
    'ДМИТРИЙ@почта.рф',
    "o'brien@example.com",
    'a!#$%^&*{}/=?`|~-_+@x.org',
    'x@xn--80ak6aa92e.com',
    'user@example.c', // 1-letter TLD
    'a@b.c0m', // labels may follow each other without a dot: "b." "c0" + TLD "m"
    'user@1.example',
    '  user@example.com \n',
    '\tuser@example.com\0',
  ])('accepts %j', (email) => {
    expect(isValidEmail(email)).toBe(true)
  })

  it.each([
    '',
    '   ',
    'bad_format',
    '@example.com',
    'user@',
    'a@b@c',
    '.a@b.com',
    'a.@b.com',
    'a..b@c.com',
    'a b@c.com',
    'a(b)@c.com',
    'a@-b.com',
    'a@b-.com',
    'a@b..com',
    'a@.b.com',
    'a@b.com.',
    'user@123',
    'user@example.123',
    'user@exa_mple.com',
  ])('rejects %j', (email) => {
    expect(isValidEmail(email)).toBe(false)
  })

  it('strips like Ruby (ASCII whitespace and NUL only)', () => {
    expect(isValidEmail(' \t\r\n\v\f\0user@example.com\0 ')).toBe(true)
    expect(isValidEmail('\u00a0user@example.com')).toBe(false)
    expect(isValidEmail('user@example.com\u2028')).toBe(false)
  })

  it('limits the local part to 64 characters and 64 atoms', () => {
    expect(isValidEmail(`${'a'.repeat(64)}@x.com`)).toBe(true)
    expect(isValidEmail(`${'a'.repeat(65)}@x.com`)).toBe(false)
    expect(isValidEmail(`${'a.'.repeat(31)}a@x.com`)).toBe(true) // 63 characters
    expect(isValidEmail(`${'a.'.repeat(32)}a@x.com`)).toBe(false) // 65 characters
  })

  it('limits domain pieces to 63 characters and label hyphens to the first 63 characters', () => {
    expect(isValidEmail(`a@${'a'.repeat(63)}.com`)).toBe(true)
    expect(isValidEmail(`a@${'a'.repeat(64)}.com`)).toBe(false)
    expect(isValidEmail(`a@x.${'a'.repeat(63)}`)).toBe(true)
    expect(isValidEmail(`a@x.${'a'.repeat(64)}`)).toBe(false)
    expect(isValidEmail(`a@b${'-'.repeat(61)}c.com`)).toBe(true)
    expect(isValidEmail(`a@b${'-'.repeat(62)}c.com`)).toBe(false)
  })

  it('rejects anything longer than 254 characters after stripping (a cap the gem itself does not have)', () => {
    const domain = Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.')
    expect(isValidEmail(`u@${domain}.com`.slice(0, 254))).toBe(true)
    expect(isValidEmail(`uu@${domain}.com`)).toBe(false)
  })

  // Catastrophic backtracking on these would run for minutes: finishing within the test's limit is the check, with
  // no per-input wall-clock bound that a loaded machine could break.
  it('answers adversarial inputs (100 KB, backtracking bait), refusing all but the padded valid one', { timeout: 10_000 }, () => {
    const inputs: Array<[string, boolean]> = [
      ['a'.repeat(100_000), false],
      [`${'a'.repeat(50_000)}@${'a'.repeat(50_000)}`, false],
      [`a@${'a-'.repeat(50_000)}!`, false],
      [`a@${'a'.repeat(120)}${'.a'.repeat(60)}1`, false],
      [`a@${'a'.repeat(250)}!`, false],
      [`${' '.repeat(100_000)}a@b.com`, true],
      ['@'.repeat(100_000), false],
      [`${'a.'.repeat(50_000)}@b.com`, false],
      ['😀'.repeat(100_000), false],
    ]
    for (const [input, valid] of inputs) expect(isValidEmail(input), input.slice(0, 40)).toBe(valid)
  })

  it('returns false for non-strings', () => {
    expect(isValidEmail(undefined as unknown as string)).toBe(false)
    expect(isValidEmail(42 as unknown as string)).toBe(false)
  })
})
