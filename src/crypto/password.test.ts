import bcrypt from 'bcryptjs'
import { describe, expect, it } from 'vitest'
import { HashBusyError, hashPassword, needsRehash, verifyPassword } from './password.ts'

describe('password hashing', () => {
  it('pins Argon2id m=19456, t=2, p=1 (read back from the PHC string)', async () => {
    const digest = await hashPassword('Kal31ewwqXrew')
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(digest)
    expect(m?.slice(1).map(Number)).toEqual([19456, 2, 1])
    expect(await verifyPassword(digest, 'Kal31ewwqXrew')).toBe(true)
    expect(await verifyPassword(digest, 'kal31ewwqXrew')).toBe(false)
    expect(needsRehash(digest)).toBe(false)
  })

  it("verifies Barong's bcrypt digests and refuses inputs bcrypt would truncate", async () => {
    const long = 'A1b'.repeat(30) // 90 bytes
    const digest = bcrypt.hashSync(long, 4)
    // bcrypt saw only 72 bytes: longer inputs are refused rather than silently truncated (such users reset).
    expect(await verifyPassword(digest, long)).toBe(false)
    expect(await verifyPassword(digest, `${long.slice(0, 72)}different tail`)).toBe(false)
    const legacy = bcrypt.hashSync('Legacy-Pass42', 4)
    expect(await verifyPassword(legacy, 'Legacy-Pass42')).toBe(true)
    expect(needsRehash(legacy)).toBe(true)
  })

  it('garbage digests never verify and never throw', async () => {
    for (const d of ['', 'plain', '$argon2id$broken', '$2a$12$short']) expect(await verifyPassword(d, 'x')).toBe(false)
  })

  it('a flood beyond the bounded queue is refused quickly instead of queueing forever', async () => {
    const digest = await hashPassword('x')
    const results = await Promise.allSettled(Array.from({ length: 300 }, () => verifyPassword(digest, 'y')))
    const busy = results.filter((r) => r.status === 'rejected' && r.reason instanceof HashBusyError).length
    expect(busy).toBeGreaterThan(0)
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(256)
  })
})
