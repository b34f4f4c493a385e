import { describe, expect, it } from 'vitest'
import { ipInCidr, normalizeIp, parseCidr, parseIp } from './ip.ts'

// [input, canonical text or null]
const addresses: [string, string | null][] = [
  ['1.2.3.4', '1.2.3.4'],
  ['0.0.0.0', '0.0.0.0'],
  ['255.255.255.255', '255.255.255.255'],
  ['::ffff:1.2.3.4', '1.2.3.4'], // IPv4-mapped, as Node reports IPv4 peers on dual-stack sockets
  ['::FFFF:1.2.3.4', '1.2.3.4'],
  ['::ffff:0102:0304', '1.2.3.4'],
  ['0:0:0:0:0:ffff:1.2.3.4', '1.2.3.4'],
  ['::1', '::1'],
  ['::', '::'],
  ['2001:DB8::1', '2001:db8::1'],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // RFC 5952: first of equal runs
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
  ['fe80::1:2', 'fe80::1:2'],
  ['::1.2.3.4', '::102:304'], // IPv4-compatible (deprecated): stays IPv6
  ['1::', '1::'],
  ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
  ['', null],
  ['1.2.3', null],
  ['1.2.3.4.5', null],
  ['256.1.1.1', null],
  ['01.2.3.4', null], // octal-looking
  ['1.2.3.04', null],
  ['1.2.3.-4', null],
  [' 1.2.3.4', null],
  ['1.2.3.4 ', null],
  ['0x7f.0.0.1', null],
  ['2130706433', null],
  ['1:2:3:4:5:6:7:8:9', null],
  ['1:2:3:4:5:6:7', null],
  ['1::2::3', null],
  ['1:2:3:4:5:6:7:8::', null], // `::` must stand for at least one group
  [':1:2:3:4:5:6:7', null],
  ['1:2:3:4:5:6:7:', null],
  ['12345::1', null],
  ['fe80::1%eth0', null], // zone id
  ['[::1]', null],
  ['1.2.3.4::', null], // embedded IPv4 only at the end
  ['1.2.3.4:5:6:7:8:9:10', null],
  ['::ffff:1.2.3.256', null],
  ['g::1', null],
  ['1.2.3.4:80', null],
]

describe('parseIp / normalizeIp', () => {
  it.each(addresses)('%j → %j', (input, out) => {
    expect(normalizeIp(input)).toBe(out)
    expect(parseIp(input) === null).toBe(out === null)
  })
})

// [cidr, address, contained]
const containment: [string, string, boolean][] = [
  ['10.0.0.0/8', '10.255.1.2', true],
  ['10.0.0.0/8', '11.0.0.0', false],
  ['10.1.2.3/8', '10.9.9.9', true], // host bits cleared, as Ruby's IPAddr does
  ['164.116.47.0/24', '164.116.47.255', true],
  ['164.116.47.0/24', '164.116.48.0', false],
  ['0.0.0.0/0', '8.8.8.8', true],
  ['0.0.0.0/0', '::1', false], // families never mix
  ['1.2.3.4', '1.2.3.4', true], // a bare address is a /32
  ['1.2.3.4/32', '1.2.3.5', false],
  ['10.0.0.0/8', '::ffff:10.1.1.1', true], // mapped address counts as IPv4
  ['::ffff:10.0.0.0/104', '10.3.3.3', true], // mapped CIDR counts as IPv4
  ['::ffff:10.0.0.0/104', '11.3.3.3', false],
  ['2001:db8::/32', '2001:db8:ffff::1', true],
  ['2001:db8::/32', '2001:db9::1', false],
  ['::/0', '2001:db8::1', true],
  ['::/0', '1.2.3.4', false],
  ['::1/128', '::1', true],
  ['fc00::/7', 'fdff::1', true],
  ['fc00::/7', 'fe00::1', false],
]

describe('parseCidr / ipInCidr', () => {
  it.each(containment)('%s contains %s: %s', (cidrText, ip, expected) => {
    const cidr = parseCidr(cidrText)
    expect(cidr).not.toBeNull()
    expect(ipInCidr(ip, cidr!)).toBe(expected)
  })

  it.each([
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0.0/08',
    '10.0.0.0/8/8',
    '10.0.0/8',
    '10.0.0.0/ 8',
    'abc/8',
    '',
  ])('refuses %j', (input) => {
    expect(parseCidr(input)).toBeNull()
  })

  it('never matches an invalid address', () => {
    expect(ipInCidr('not-an-ip', parseCidr('0.0.0.0/0')!)).toBe(false)
  })
})
