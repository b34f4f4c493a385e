import { describe, expect, it } from 'vitest'
import {
  checkPassword,
  DEFAULT_PASSWORD_REGEXP,
  passwordEntropy,
  rubyDowncase,
  rubyRegexpToJs,
  type PasswordPolicy,
} from './password-strength.ts'
import { COMMON_PASSWORDS } from './password-words.ts'
import { QWERTY_STRINGS } from './password-keyboard.ts'

const defaultPolicy: PasswordPolicy = {
  regexp: rubyRegexpToJs(DEFAULT_PASSWORD_REGEXP),
  minEntropy: 14,
  useDictionary: true,
}
const entropy = (p: string) => passwordEntropy(p, { useDictionary: true, minEntropy: 14 })

describe('spec §9.1 test vectors (default settings)', () => {
  const vectors: [string, number, ReturnType<typeof checkPassword>][] = [
    ['Tecohvi0', 15.5, null],
    ['ZahSh8ei', 15.5, null],
    ['Gol4aid2', 15.5, null],
    ['testPassword111', 14.125, null],
    ['Iequ4geiEWQw', 19.59375, null],
    ['Kal31ewwqXrew', 20.59375, null],
    ['eeC2BiCucxWEQ', 21.1875, null],
    ['Xwqe213PZCXwe', 21.21875, null],
    ['QqQq123123', 10.5, 'password.weak'],
    ['Password1123', 7.5, 'password.weak'],
    ['Qq123123', 5.5, 'password.weak'],
    ['Password1', 2, 'password.weak'],
    ['password1', 2, 'password.requirements'],
    ['password', 2, 'password.requirements'],
    ['X2qL32', 11.5, 'password.requirements'],
    ['eoV0qu', 11.5, 'password.requirements'],
  ]
  for (const [password, bits, result] of vectors) {
    it(`${password}: entropy ${bits}, ${result ?? 'accepted'}`, () => {
      expect(entropy(password)).toBe(bits)
      expect(checkPassword(password, defaultPolicy)).toBe(result)
    })
  }

  it('Barong spec examples keep their verdicts', () => {
    for (const p of ['Password1', 'Password1123', 'password', 'password1', 'Qq123123', 'QqQq123123', 'X2qL32', 'eoV0qu']) {
      expect(checkPassword(p, defaultPolicy)).not.toBeNull()
    }
    for (const p of ['Iequ4geiEWQw', 'Xwqe213PZCXwe', 'Kal31ewwqXrew']) {
      expect(checkPassword(p, defaultPolicy)).toBeNull()
    }
  })
})

describe('cross-checked against the Ruby gem code (Ruby 3.1)', () => {
  // [password, dictionary in list order (default), dictionary longest-first (gem literal), no dictionary]
  const rows: [string, number, number, number][] = [
  ["Q7p{!+$/NINEINCH", 23.125, 17.5, 26.59375],
  ["BLUEEYESBIGMIKE!bXNT", 26.9375, 21.96875, 30.3515625],
  ["gameoverw$B_zU#U", 23.125, 17.125, 27.125],
  ["m&cbearcatMM0ijnJ{ydJ", 28.3125, 24.09375, 32.28125],
  ["skipper1asdfnNe,N(*Ht#fc=", 30.59375, 29.09375, 36.46875],
  ["xnh0Y6ROCKON1NOSYT", 23.46875, 22.375, 28.5625],
  ["pizzas95", 7.5, 4, 15.5],
  ["CEIFL-k{%]098vhgVIDEO1", 30.25, 29.5, 34.875],
  ["İplo", 9.5, 9.5, 10],
  ["7R6:8l8N-ß", 18.5, 18.5, 18.5],
  ["bmr!tQu&bxßΣSurfer", 23.125, 23.125, 29.21875],
  ["BADGERiF5ǅQasdf", 18.125, 18.125, 25.375],
  ["]GQmWCPJ+<RΣ:<<l0", 28.125, 28.125, 28.46875],
  ["qwerty1666999{L{g*ς", 17.2181396484375, 17.2181396484375, 27.5],
  ["Pg,FssH*XY😀(N0*xpizza", 27.59375, 27.59375, 33],
  ["kW;0q[O4jit@ntr@İ", 22.625, 22.625, 29.875],
  ["KLONDIKEqazROCKY1*!r++&u", 28, 28, 35.84375],
  ["Ld ()urKQ>8Q9VSzxeo=Sqwerty", 37.125, 37.125, 41.4375],
  ["qaz[z=%b} ^SMILE", 23.5, 23.5, 29.5],
  ["p7PQ <,BRITTz<4sE!/3IqazUo?4PS", 38.125, 38.125, 43.0625],
  ["-StinkyygcA}QrLJ/JWymM1234wX?Iz%s0", 40.75, 40.75, 45.46875],
  ["asdfSHAO[An0th3r", 22.25, 22.25, 25.96875],
  ["zxcv", 2, 2, 8],
  ["K2727ⅠploMpNogY}:z;_8", 30.125, 30.125, 33.25],
  ["    a  b c d ", 17.19353485107422, 17.19353485107422, 17.19353485107422],
  ["a b c d", 15.625, 15.625, 15.625],
  ["skipLM_poCH098[wwwwwwwj0i9J!", 32.1365966796875, 32.1365966796875, 35.991455078125],
  ["Violin4)9z(qY7[", 19, 19, 26],
  [".syracuse100100( 0[Baw", 24.443359375, 24.443359375, 33.951171875],
  ["90\\-098", 8, 8, 11],
  [",QQma2IBIRDtP,", 19.625, 19.625, 23.75],
  ["cKHp}A/@P7}B*13:", 26.75, 26.75, 27.25],
  ["qdw*S4Yk43Ck", 21, 21, 21.25],
  ["7001NDEYL5<HFRISKY!,^C$i", 30.59375, 30.59375, 36.875],
  ["KIRK$Zd.$1lv3r\n", 21, 21, 25.25],
  ["B1q4RXcC*", 17, 17, 17],
  ["daniFEELGOOD", 16.5, 16.5, 20.75],
  ["y4NKywDk8+S@", 20.625, 20.625, 21],
  [":w*%fyZ1", 16, 16, 16],
  ["U}8^}bStopFOSTERSxyz'Redred", 34.75, 34.75, 37.09375],
  ]
  for (const [password, listOrder, longestFirst, noDictionary] of rows) {
    it(JSON.stringify(password), () => {
      expect(entropy(password)).toBe(listOrder)
      expect(passwordEntropy(password, { useDictionary: true, minEntropy: 14, dictionaryOrder: 'longest-first' })).toBe(
        longestFirst,
      )
      expect(passwordEntropy(password, { useDictionary: false, minEntropy: 14 })).toBe(noDictionary)
    })
  }

  it("the gem literal's longest-first order removes 'password1' from Password1123 (6 instead of 7.5)", () => {
    expect(passwordEntropy('Password1123', { useDictionary: true, minEntropy: 14, dictionaryOrder: 'longest-first' })).toBe(6)
  })

  it('the qwerty bail-out threshold is the configured min entropy', () => {
    // "Qq123123": E = 14.5, E(lower) = 14; with threshold 14 the masked "Qq**" (12.5) is also tried
    // (the qwerty adjuster works on the password as typed, not lower-cased)
    expect(passwordEntropy('Qq123123', { useDictionary: false, minEntropy: 14 })).toBe(12.5)
    // with threshold 18 the qwerty adjuster bails out at min(E(p), E(reverse p)) = 14.5
    expect(passwordEntropy('Qq123123', { useDictionary: false, minEntropy: 18 })).toBe(14)
  })
})

describe('gem details', () => {
  it('works on code points (Ruby chars)', () => {
    // one emoji is one character: 4 bits + 2 bits, "other" bonus 0, no space -2
    expect(passwordEntropy('😀a', { useDictionary: false, minEntropy: 14 })).toBe(4)
    expect(passwordEntropy('😀😀', { useDictionary: false, minEntropy: 14 })).toBe(3.5)
  })

  it('uses Unicode classes for the bonus bits', () => {
    // Arabic-Indic digits are [[:digit:]] (and, being non-ASCII, also "other"): digit + other -> -2,
    // no space -> -2 (if they were not digits the bonus would be 0 - 2)
    expect(passwordEntropy('١٢٣٤', { useDictionary: false, minEntropy: 0 })).toBe(4 + 2 + 2 + 2 - 4)
    // "äß١!" (the lower-cased form is the minimum): lower + digit + other, no upper -> 0, no space -> -2
    expect(passwordEntropy('Äß١!', { useDictionary: false, minEntropy: 0 })).toBe(8)
  })

  it('downcases like Ruby (full mapping, no final-sigma rule)', () => {
    expect(rubyDowncase('ΣΑΣ')).toBe('σασ')
    expect(rubyDowncase('İ')).toBe('i\u0307')
    expect(rubyDowncase('ABC-Äß')).toBe('abc-äß')
  })

  it('caps the input at 1,000 code points like the gem', () => {
    const long = 'Ab1!xyz'.repeat(10_000)
    expect(entropy(long)).toBe(entropy(Array.from(long).slice(0, 1000).join('')))
  })

  it('keeps the word list and keyboard rows verbatim', () => {
    expect(COMMON_PASSWORDS).toHaveLength(10_000)
    expect(new Set(COMMON_PASSWORDS).size).toBe(10_000)
    expect(COMMON_PASSWORDS[0]).toBe('password')
    expect(COMMON_PASSWORDS[COMMON_PASSWORDS.length - 1]).toBe('eyphed')
    expect(COMMON_PASSWORDS).toContain("pic\\'s")
    expect(COMMON_PASSWORDS.indexOf('password1')).toBe(620)
    expect(QWERTY_STRINGS).toHaveLength(14)
  })
})

describe('checkPassword', () => {
  it('rejects passwords over 128 characters before any regexp work', () => {
    const anything: PasswordPolicy = { regexp: /./u, minEntropy: 0, useDictionary: true }
    expect(checkPassword('Aa1!'.repeat(32), anything)).toBeNull() // 128
    expect(checkPassword('Aa1!'.repeat(32) + 'x', anything)).toBe('password.requirements')
  })

  it('is not fooled by a stateful /g regexp', () => {
    const policy: PasswordPolicy = { regexp: /[A-Z]/g, minEntropy: 0, useDictionary: false }
    expect(checkPassword('Abcdefgh1', policy)).toBeNull()
    expect(checkPassword('Abcdefgh1', policy)).toBeNull()
  })

  // Catastrophic backtracking would run for minutes: finishing within the test's limit is the check (no per-input
  // wall-clock bound that a loaded machine could break).
  it('answers 100 KB inputs', { timeout: 10_000 }, () => {
    const inputs = [
      'a'.repeat(100_000),
      'Aa1!'.repeat(25_000),
      'qwerty'.repeat(17_000),
      'password'.repeat(12_500),
      '😀'.repeat(50_000),
      'Ab1' + ' '.repeat(100_000),
      'a1@'.repeat(33_000),
    ]
    for (const s of inputs) {
      expect(checkPassword(s, defaultPolicy)).toBe('password.requirements')
      expect(entropy(s)).toBeGreaterThan(0)
    }
  })
})

describe('rubyRegexpToJs', () => {
  const re = rubyRegexpToJs(DEFAULT_PASSWORD_REGEXP)

  it('is Barong\'s default', () => {
    expect(DEFAULT_PASSWORD_REGEXP).toBe(
      '^(?=.*[[:lower:]])(?=.*[[:upper:]])(?=.*[[:digit:]])(?=.*[[:graph:]]).{8,80}$',
    )
    expect(re.flags).toContain('u')
  })

  it('translates the POSIX classes with Unicode meaning', () => {
    expect(re.test('Abcdefg1')).toBe(true)
    expect(re.test('abcdefg1')).toBe(false)
    expect(re.test('ABCDEFG1')).toBe(false)
    expect(re.test('Abcdefgh')).toBe(false)
    expect(re.test('Abcdef1')).toBe(false)
    expect(re.test('Ünïcödé١')).toBe(true)
    expect(re.test('A' + 'b'.repeat(78) + '1')).toBe(true) // 80
    expect(re.test('A' + 'b'.repeat(79) + '1')).toBe(false) // 81
  })

  it('keeps Ruby line-anchor semantics for ^ $ and .', () => {
    // Ruby's ^/$ match at line boundaries ("\n" only) and . stops at "\n"
    expect(re.test('Abcdefg1\nxyz')).toBe(true)
    expect(re.test('xyz\nAbcdefg1')).toBe(true)
    expect(re.test('Abcd\nefg1')).toBe(false)
    expect(re.test('Abcdefg1\r')).toBe(true) // "\r" is an ordinary character in Ruby
  })

  it('maps \\A, \\z, \\d, \\s and other POSIX classes', () => {
    const strict = rubyRegexpToJs('\\A(?=.*[[:lower:]])(?=.*[[:upper:]])(?=.*\\d)[[:graph:]]{8,80}\\z')
    expect(strict.test('Abcdefg1')).toBe(true)
    expect(strict.test('Abcdefg1\nxyz')).toBe(false)
    expect(strict.test('Abcd efg1')).toBe(false)
    expect(strict.test('Abcdefg١')).toBe(false) // \d is ASCII in Ruby
    expect(rubyRegexpToJs('^[[:^digit:]]+$').test('abc')).toBe(true)
    expect(rubyRegexpToJs('^[[:^digit:]]+$').test('ab1')).toBe(false)
    expect(rubyRegexpToJs('^[a-c[:digit:]]{2,}x{,2}$').test('ab12xx')).toBe(true)
    expect(rubyRegexpToJs('^[a-c[:digit:]]{2,}x{,2}$').test('ab12xxx')).toBe(false)
    expect(rubyRegexpToJs('^[^[:graph:]a]+$').test('\u00a0 ')).toBe(true)
    expect(rubyRegexpToJs('^[^[:graph:]a]+$').test(' a')).toBe(false)
    expect(rubyRegexpToJs('\\A\\s\\z').test('\u00a0')).toBe(false) // \s is ASCII in Ruby
  })

  it('refuses constructs it cannot translate faithfully', () => {
    for (const src of ['(?i)abc', '(?>a)', 'a++', '[a&&b]', '[a[b]]', '\\G']) {
      expect(() => rubyRegexpToJs(src)).toThrow()
    }
  })
})
