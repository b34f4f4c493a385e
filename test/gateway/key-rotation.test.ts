import { createPublicKey } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { generatePrivateKeyPem } from '../../src/crypto/keys.ts'
import { activities } from '../../src/storage/schema/index.ts'
import { createTestApp, testKey } from '../helpers/app.ts'
import { register, seedDefaults } from '../helpers/http.ts'
import { AUTH } from '../helpers/gateway.ts'

const ME = `${AUTH}/api/v2/barong/resource/users/me`

describe('signing key rotation', () => {
  it('a retired key stays in the JWKS and its tokens stay valid; new tokens use the new key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotation-'))
    const oldPem = testKey()
    writeFileSync(join(dir, 'old.pem'), createPublicKey(oldPem).export({ type: 'spki', format: 'pem' }))
    const before = await createTestApp({ BARONG_JWT_PRIVATE_KEY: oldPem })
    let oldToken: string
    try {
      await seedDefaults(before)
      const { client } = await register(before)
      oldToken = (await client.get(ME)).headers.get('authorization')!.slice(7)
    } finally {
      await before.close()
    }

    const after = await createTestApp({ BARONG_JWT_PRIVATE_KEY: generatePrivateKeyPem(2048), BARONG_JWT_PREVIOUS_KEYS: join(dir, 'old.pem') })
    try {
      await seedDefaults(after)
      const jwks = await (await after.request('/.well-known/jwks.json')).json()
      expect(jwks.keys).toHaveLength(2)
      expect(jwks.keys[0].kid).toBe(after.deps.keys.kid)
      const set = createLocalJWKSet(jwks)
      // Downstream services verifying with the published set accept tokens of both keys.
      await expect(jwtVerify(oldToken, set)).resolves.toBeDefined()
      const { client } = await register(after)
      const newToken = (await client.get(ME)).headers.get('authorization')!.slice(7)
      const { protectedHeader } = await jwtVerify(newToken, set)
      expect(protectedHeader.kid).toBe(after.deps.keys.kid)
    } finally {
      await after.close()
    }
  })

  it('a bad previous key file stops the start naming the variable', async () => {
    await expect(createTestApp({ BARONG_JWT_PREVIOUS_KEYS: '/nonexistent.pem' })).rejects.toThrow(/BARONG_JWT_PREVIOUS_KEYS/)
  })
})

describe('audit queue', () => {
  it('queued audit rows are written at shutdown, none lost', async () => {
    const t = await createTestApp()
    await seedDefaults(t)
    const { client, body } = await register(t)
    // Five different denials (identical ones still queued would be one row with a count).
    for (let i = 0; i < 5; i++) await client.get(`${AUTH}/api/v2/barong/admin/users?uid=${body.uid}&page=${i}`)
    const { closeDeps } = await import('../../src/deps.ts')
    const db = t.deps.dbHandle
    // Stop everything but the database, then count.
    const onClose = t.deps.onClose.splice(0)
    for (const fn of onClose.reverse()) await fn()
    const rows = await db.db.select().from(activities).where(eq(activities.targetUid, body.uid))
    expect(rows).toHaveLength(5)
    expect(rows.every((r) => r.result === 'denied' && r.category === 'admin')).toBe(true)
    await closeDeps(t.deps)
    await t.close()
  })
})
