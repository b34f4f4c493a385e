import { describe, expect, it } from 'vitest'
import { createSessionReplica } from './session-replica.ts'
import type { SessionData } from './sessions.ts'

const data = (uid: string): SessionData => ({ uid, ip: '10.0.0.1', ua: 'ua', csrf: 'c', expireAt: 2, absoluteExpireAt: 3, createdAt: 1 })

function replica(maxEntries = 3, recentEnds?: number) {
  let now = 0
  const r = createSessionReplica<SessionData>({ maxEntries, leaseMs: 1000, monotonic: () => now, ...(recentEnds ? { recentEnds } : {}) })
  let seq = 0
  const beat = () => r.heartbeat(seq++, now)
  return { r, beat, at: (ms: number) => (now = ms) }
}

describe('session replica', () => {
  it('answers nothing before the first heartbeat, and holds nothing put without a lease', () => {
    const { r, beat } = replica()
    r.put('a', data('A'), r.mark())
    expect(r.size).toBe(0)
    beat()
    r.put('a', data('A'), r.mark())
    expect(r.get('a')?.uid).toBe('A')
  })

  it('the lease runs out leaseMs after the newest heartbeat was sent; then everything is forgotten', () => {
    const { r, beat, at } = replica()
    beat()
    r.put('a', data('A'), r.mark())
    at(999)
    expect(r.get('a')?.uid).toBe('A')
    at(1000)
    expect(r.get('a')).toBeUndefined()
    expect(r.size).toBe(0)
    beat()
    expect(r.get('a')).toBeUndefined()
  })

  it('a missing heartbeat number means lost messages: forget everything', () => {
    const { r, at } = replica()
    r.heartbeat(0, 0)
    r.put('a', data('A'), r.mark())
    at(200)
    r.heartbeat(2, 200)
    expect(r.get('a')).toBeUndefined()
  })

  it('a read that an end overtook is not kept; an older read of another session is', () => {
    const { r, beat } = replica()
    beat()
    const before = r.mark()
    r.drop(['a'])
    r.put('a', data('A'), before)
    expect(r.get('a')).toBeUndefined()
    r.put('b', data('B'), before)
    expect(r.get('b')?.uid).toBe('B')
    r.put('a', data('A'), r.mark())
    expect(r.get('a')?.uid).toBe('A')
  })

  it('when the remembered ends overflow, reads older than the forgotten ones are refused', () => {
    const { r, beat } = replica(10, 2)
    beat()
    const before = r.mark()
    r.drop(['x', 'y', 'z'])
    r.put('x', data('X'), before)
    r.put('q', data('Q'), before)
    expect(r.size).toBe(0)
  })

  it('least recently used goes first; forgetAll and the subscription gap empty it', () => {
    const { r, beat } = replica(2)
    beat()
    r.put('a', data('A'), r.mark())
    r.put('b', data('B'), r.mark())
    r.get('a')
    r.put('c', data('C'), r.mark())
    expect(r.get('b')).toBeUndefined()
    expect(r.get('a')?.uid).toBe('A')
    expect(r.size).toBe(2)
    const mark = r.mark()
    r.forgetAll()
    expect(r.size).toBe(0)
    r.put('a', data('A'), mark)
    expect(r.size).toBe(0)
  })
})
