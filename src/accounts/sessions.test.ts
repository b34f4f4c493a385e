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

describe('sessions on two instances', () => {
  it('a late sliding touch from another instance does not bring an ended session back', async () => {
    const { createMemoryStore } = await import('../cache/memory-store.ts')
    const { createSessions } = await import('./sessions.ts')
    const { createSessionReplica } = await import('./session-replica.ts')
    const store = createMemoryStore()
    const settings = { idleMs: 1_800_000, absoluteMs: 86_400_000 }
    const instance = () => {
      const replica = createSessionReplica<import('./sessions.ts').SessionData>({ maxEntries: 100, leaseMs: 60_000, monotonic: () => performance.now() })
      // A lease without the heartbeat loop: neither instance subscribes, so B never hears of A's end.
      replica.heartbeat(0, performance.now())
      return createSessions({ store, settings, replica, heartbeatMs: 200, monotonic: () => performance.now() })
    }
    const [a, b] = [instance(), instance()]
    const now = Date.now()
    const opened = await a.open({ uid: 'ID1', ip: '10.0.0.1', ua: 'ua' }, now)
    const onB = (await b.read(opened.id))!
    expect(onB).not.toBeNull()
    expect(b.replica.get(opened.hash)).toBeDefined()
    await a.end(opened)
    // B decided a request just before the end reached it; its touch is written after the end.
    b.touch(onB, now + 120_000)
    await new Promise((r) => setTimeout(r, 10))
    expect(await store.get(`sess:${opened.hash}`)).toBeNull()
    expect(await a.read(opened.id)).toBeNull()
    // B missed the end's message; that write told it: it no longer holds the session.
    expect(b.replica.get(opened.hash)).toBeUndefined()
    await store.close()
  })
})
