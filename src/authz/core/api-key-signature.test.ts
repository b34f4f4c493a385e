import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkApiKeyHeaders, checkNonce, signatureValid } from './api-key-signature.ts'

describe('checkApiKeyHeaders', () => {
  it.each([
    [{}, 'none'],
    [{ apikey: undefined, nonce: undefined, signature: undefined }, 'none'],
    [{ apikey: 'k', nonce: '1', signature: 's' }, 'ok'],
    [{ apikey: 'k' }, 'incomplete'],
    [{ nonce: '1' }, 'incomplete'],
    [{ signature: 's' }, 'incomplete'],
    [{ apikey: 'k', nonce: '1' }, 'incomplete'],
    [{ apikey: 'k', nonce: '1', signature: '' }, 'incomplete'],
    [{ apikey: ' ', nonce: '1', signature: 's' }, 'incomplete'], // blank, as Ruby's `blank?`
    [{ apikey: '', nonce: '', signature: '' }, 'incomplete'], // sent empty still selects the API-key path
  ] as [Parameters<typeof checkApiKeyHeaders>[0], string][])('%j → %s', (headers, expected) => {
    expect(checkApiKeyHeaders(headers)).toBe(expected)
  })
})

describe('checkNonce', () => {
  const now = 1_700_000_000_000
  const life = 5000
  it.each([
    [String(now), null],
    [String(now - (life - 1)), null],
    [String(now + (life - 1)), null],
    [String(now - life), 'authz.nonce_expired'],
    [String(now + life), 'authz.nonce_expired'],
    [String(now - life - 1), 'authz.nonce_expired'],
    ['abc', 'authz.nonce_not_valid_timestamp'], // to_i → 0
    ['', 'authz.nonce_not_valid_timestamp'],
    ['0', 'authz.nonce_not_valid_timestamp'],
    ['-1700000000000', 'authz.nonce_not_valid_timestamp'],
    ['-5', 'authz.nonce_not_valid_timestamp'],
    ['12ab', 'authz.nonce_expired'], // to_i → 12: a number, just not a recent one
    [`${now}abc`, null], // Ruby's leading-integer parse, kept for compatibility
    [` ${now}`, null],
    [`+${now}`, null],
    ['1_700_000_000_000', null], // to_i allows single underscores between digits
    ['1__700000000000', 'authz.nonce_expired'], // … but stops at a double one (→ 1)
    ['1.7e12', 'authz.nonce_expired'], // → 1, unlike Number()
    ['0x1', 'authz.nonce_not_valid_timestamp'],
    ['9'.repeat(400), 'authz.nonce_expired'],
  ] as [string, string | null][])('%j → %s', (nonce, expected) => {
    expect(checkNonce(nonce, now, life)).toBe(expected)
  })
})

describe('signatureValid', () => {
  const secret = 'a3f1c9e2b7d84f60a1c2e3f4a5b6c7d8'
  const kid = '4a2c9b1e7f3d5a60'
  const nonce = '1700000000000'
  // Computed independently of the module under test.
  const good = createHmac('sha256', secret).update(nonce + kid).digest('hex')

  it.each([
    ['the correct lower-case signature', nonce, kid, good, true],
    ['upper-case hex of the same bytes (Barong notes §3.2: exact match)', nonce, kid, good.toUpperCase(), false],
    ['one upper-case hex digit', nonce, kid, good.replace(/[a-f]/, (c) => c.toUpperCase()), false],
    ['one nibble changed', nonce, kid, (good[0] === '0' ? '1' : '0') + good.slice(1), false],
    ['another nonce', '1700000000001', kid, good, false],
    ['another kid', nonce, '4a2c9b1e7f3d5a61', good, false],
    ['too short', nonce, kid, good.slice(0, 62), false],
    ['too long', nonce, kid, good + '00', false],
    ['empty', nonce, kid, '', false],
    ['non-hex', nonce, kid, 'z'.repeat(64), false],
    ['spaces around', nonce, kid, ` ${good} `, false],
    ['base64 of the bytes', nonce, kid, Buffer.from(good, 'hex').toString('base64'), false],
    ['hex with a 0x prefix', nonce, kid, '0x' + good.slice(2), false],
  ])('%s → %s', (_name, n, k, signature, expected) => {
    expect(signatureValid(secret, n, k, signature)).toBe(expected)
  })

  it('matches RFC 4231 test case 2 (key "Jefe"), split into nonce + kid', () => {
    const rfc4231 = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'
    expect(signatureValid('Jefe', 'what do ya want ', 'for nothing?', rfc4231)).toBe(true)
  })

  it('is HMAC-SHA256 of nonce + kid keyed by the secret text', () => {
    const vector = createHmac('sha256', 'secret').update('1kid').digest('hex')
    expect(vector).toMatch(/^[0-9a-f]{64}$/)
    expect(signatureValid('secret', '1', 'kid', vector)).toBe(true)
    expect(signatureValid('secret', '1k', 'id', vector)).toBe(true) // v1's known ambiguity: the kid also picks the secret
  })
})
