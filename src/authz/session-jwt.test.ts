import { createHash } from 'node:crypto'
import { decodeJwt } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { generatePrivateKeyPem, loadSigningKeys, type SigningKeys } from '../crypto/keys.ts'
import type { UserSnapshot } from './authz-cache.ts'
import { createJwtMinter, verifySessionJwt } from './session-jwt.ts'

let keys: SigningKeys
beforeAll(async () => {
  keys = await loadSigningKeys({ pem: generatePrivateKeyPem(2048), dataDir: '/nonexistent' })
})

const user = (over: Partial<UserSnapshot> = {}): UserSnapshot =>
  ({ id: 1, uid: 'ID0000000001', email: 'a@example.com', role: 'member', level: 1, state: 'active', referralId: null, otp: false, ...over }) as UserSnapshot
// A session is referred to by the SHA-256 of its id, as in the gateway.
const session = (n: number) => ({ kind: 'session' as const, hash: createHash('sha256').update(String(n)).digest('hex') })

describe('the JWT minter', () => {
  it('reuses a session\'s token while its claims hold and half its life remains, then signs a new one', async () => {
    let now = 1_000_000_000_000
    const minter = createJwtMinter(keys, 240, () => now, 10)
    const once = await minter.mint(user(), session(1))
    const first = await minter.mint(user(), session(1))
    expect(first).not.toBe(once) // the first token signed for a session is not held (the doorkeeper)
    expect(await minter.mint(user(), session(1))).toBe(first) // a reloaded but equal snapshot
    expect(await verifySessionJwt(keys, first, now)).toEqual({ uid: 'ID0000000001', ref: session(1) })
    expect(await minter.mint(user({ level: 2 }), session(1))).not.toBe(first)
    const renewed = await minter.mint(user({ level: 2 }), session(1))
    now += 121_000
    expect(await minter.mint(user({ level: 2 }), session(1))).not.toBe(renewed)
  })

  it('never shares a token between two sessions of one user, nor between a session and an API key', async () => {
    const minter = createJwtMinter(keys, 240, () => 1_000_000_000_000, 10)
    const a = decodeJwt(await minter.mint(user(), session(1)))
    const b = decodeJwt(await minter.mint(user(), session(2)))
    const k = decodeJwt(await minter.mint(user(), { kind: 'apikey', kid: session(1).hash }))
    expect([a.sid, b.sid, k.api_kid, k.sid]).toEqual([session(1).hash, session(2).hash, session(1).hash, undefined])
    expect(new Set([a.jti, b.jti, k.jti]).size).toBe(3)
  })

  it('holds at most its bound: the oldest token goes first, and tokens that fell due go with the next one held', async () => {
    let now = 1_000_000_000_000
    const minter = createJwtMinter(keys, 240, () => now, 3)
    const tokens = []
    for (let i = 1; i <= 5; i++) {
      await minter.mint(user(), session(i))
      tokens.push(await minter.mint(user(), session(i)))
    }
    expect(minter.size).toBe(3)
    expect(await minter.mint(user(), session(5))).toBe(tokens[4]) // still held
    expect(await minter.mint(user(), session(1))).not.toBe(tokens[0]) // dropped, so signed again
    now += 121_000 // every token held has fallen due: the next one held clears them
    await minter.mint(user(), session(9))
    await minter.mint(user(), session(9))
    expect(minter.size).toBe(1)
  })

  it('holds no token for a session seen once: a flood of them leaves a steady client\'s token in place', async () => {
    const minter = createJwtMinter(keys, 240, () => 1_000_000_000_000, 3)
    await minter.mint(user(), session(1))
    const steady = await minter.mint(user(), session(1))
    for (let i = 100; i < 110; i++) await minter.mint(user(), session(i))
    expect(minter.size).toBe(1)
    expect(await minter.mint(user(), session(1))).toBe(steady)
    // An API key goes through its own doorkeeper, whatever its kid looks like.
    await minter.mint(user(), { kind: 'apikey', kid: session(1).hash })
    expect(minter.size).toBe(1)
    await minter.mint(user(), { kind: 'apikey', kid: session(1).hash })
    expect(minter.size).toBe(2)
  })
})
