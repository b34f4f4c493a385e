import { describe, expect, it } from 'vitest'
import { clientIp, compileTrusted, createClientIpResolver } from './client-ip.ts'

const trusted = compileTrusted(['127.0.0.1/8', '::1', '10.0.0.0/8', '2001:db8:1::/48'])
const none = compileTrusted([])

// [name, peer, X-Forwarded-For, True-Client-IP, expected]
const cases: [string, string, string | undefined, string | undefined, string][] = [
  ['untrusted peer: headers ignored', '203.0.113.9', '1.1.1.1', '2.2.2.2', '203.0.113.9'],
  ['untrusted mapped peer normalised', '::ffff:203.0.113.9', '1.1.1.1', undefined, '203.0.113.9'],
  ['trusted peer, no header', '127.0.0.1', undefined, undefined, '127.0.0.1'],
  ['trusted mapped peer, no header', '::ffff:127.0.0.1', undefined, undefined, '127.0.0.1'],
  ['single hop', '127.0.0.1', '198.51.100.7', undefined, '198.51.100.7'],
  ['right-most untrusted wins over a forged left part', '127.0.0.1', '1.1.1.1, 198.51.100.7', undefined, '198.51.100.7'],
  ['trusted hops skipped', '10.0.0.1', '1.1.1.1, 198.51.100.7, 10.0.0.2, 10.0.0.3', undefined, '198.51.100.7'],
  ['all trusted: left-most', '127.0.0.1', '10.0.0.5, 10.0.0.6', undefined, '10.0.0.5'],
  ['mapped hop normalised', '127.0.0.1', '::ffff:198.51.100.7', undefined, '198.51.100.7'],
  ['IPv6 hop', '::1', '2001:DB8:2::1', undefined, '2001:db8:2::1'],
  ['trusted IPv6 hop skipped', '::1', '2001:db8:3::9, 2001:db8:1::5', undefined, '2001:db8:3::9'],
  ['no spaces', '127.0.0.1', '1.1.1.1,198.51.100.7', undefined, '198.51.100.7'],
  ['invalid right-most hop: peer', '127.0.0.1', '198.51.100.7, garbage', undefined, '127.0.0.1'],
  ['invalid hop after trusted ones: peer', '127.0.0.1', '198.51.100.7, garbage, 10.0.0.2', undefined, '127.0.0.1'],
  ['invalid hop left of the client: ignored', '127.0.0.1', 'garbage, 198.51.100.7', undefined, '198.51.100.7'],
  ['empty header', '127.0.0.1', '', undefined, '127.0.0.1'],
  ['empty entry', '127.0.0.1', '198.51.100.7, , 10.0.0.2', undefined, '127.0.0.1'],
  ['hop with a port is invalid', '127.0.0.1', '198.51.100.7:4433', undefined, '127.0.0.1'],
  ['True-Client-IP from a trusted peer', '127.0.0.1', '198.51.100.7', '192.0.2.1', '192.0.2.1'],
  ['True-Client-IP normalised', '127.0.0.1', undefined, ' ::ffff:192.0.2.1 ', '192.0.2.1'],
  ['invalid True-Client-IP: fall back to XFF', '127.0.0.1', '198.51.100.7', 'nope', '198.51.100.7'],
  ['True-Client-IP from an untrusted peer ignored', '198.51.100.1', undefined, '192.0.2.1', '198.51.100.1'],
  ['unparseable peer returned as is', 'unix-socket', '1.1.1.1', undefined, 'unix-socket'],
]

describe('clientIp', () => {
  it.each(cases)('%s', (_name, peer, xff, tci, expected) => {
    expect(clientIp(peer, xff, trusted, tci)).toBe(expected)
  })

  const headers = (xff: string | undefined, tci: string | undefined) => (name: string) => (name === 'x-forwarded-for' ? xff : name === 'true-client-ip' ? tci : undefined)

  it('the remembering resolver gives the same answers from the headers, first time and again', () => {
    const plain = createClientIpResolver(trusted)
    const akamai = createClientIpResolver(compileTrusted(['127.0.0.1/8', '::1', '10.0.0.0/8', '2001:db8:1::/48'], true))
    for (let round = 0; round < 2; round++) {
      for (const [name, peer, xff, tci, expected] of cases) expect((tci === undefined ? plain : akamai)(peer, headers(xff, tci)), `${name} (round ${round})`).toBe(expected)
    }
  })

  it('reads True-Client-IP only when the setting says a trusted proxy sets it', () => {
    expect(createClientIpResolver(trusted)('127.0.0.1', headers(undefined, '2.2.2.2'))).toBe('127.0.0.1')
    expect(createClientIpResolver(compileTrusted(['127.0.0.1/8'], true))('127.0.0.1', headers(undefined, '2.2.2.2'))).toBe('2.2.2.2')
  })

  it('trusts nobody with an empty list', () => {
    expect(clientIp('127.0.0.1', '1.1.1.1', none, '2.2.2.2')).toBe('127.0.0.1')
  })
})

describe('compileTrusted', () => {
  it.each(['10.0.0.0/33', 'localhost', '', '10.0.0.0/8,192.168.0.0/16'])('refuses %j', (entry) => {
    expect(() => compileTrusted([entry])).toThrow(/invalid trusted proxy CIDR/)
  })

  it('accepts bare addresses and surrounding spaces', () => {
    const t = compileTrusted([' 192.0.2.10 '])
    expect(clientIp('192.0.2.10', '1.1.1.1', t)).toBe('1.1.1.1')
    expect(clientIp('192.0.2.11', '1.1.1.1', t)).toBe('192.0.2.11')
  })
})
