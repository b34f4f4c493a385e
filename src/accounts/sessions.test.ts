import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashSessionId, sameNetwork } from './sessions.ts'

describe('sessions', () => {
  it('a session is stored under the SHA-256 hex of its id', () => {
    for (const id of ['abc', 'x'.repeat(43), 'Zm9vYmFy_-']) expect(hashSessionId(id)).toBe(createHash('sha256').update(id).digest('hex'))
    expect(hashSessionId('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('binds to the /16 of IPv4 and the /96 of IPv6', () => {
    expect(sameNetwork('10.1.2.3', '10.1.200.9')).toBe(true)
    expect(sameNetwork('10.1.2.3', '10.2.2.3')).toBe(false)
    expect(sameNetwork('::ffff:10.1.2.3', '10.1.9.9')).toBe(true)
    expect(sameNetwork('2001:db8::1', '2001:db8::ffff:1')).toBe(true)
    expect(sameNetwork('2001:db8::1', '2001:db9::1')).toBe(false)
    expect(sameNetwork('10.1.2.3', '2001:db8::1')).toBe(false)
  })
})
