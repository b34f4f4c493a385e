import { createHmac, randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { apiKeys, permissions, restrictions, users } from '../../src/storage/schema/index.ts'
import { restrictionCode } from '../../src/authz/core/restriction-codes.ts'
import type { TestApp } from './app.ts'

export const AUTH = '/api/v2/auth'

/** An API key row as the resource API would create it (secret sealed at rest), then reloaded into memory. */
export async function createApiKey(t: TestApp, userId: number, state = 'active'): Promise<{ kid: string; secret: string }> {
  const kid = randomBytes(8).toString('hex')
  const secret = randomBytes(16).toString('hex')
  await t.deps.db.insert(apiKeys).values({ userId, kid, algorithm: 'HS256', state, secretEncrypted: t.deps.secrets.seal(secret) })
  await t.deps.authzCache.load()
  return { kid, secret }
}

export function apiKeyHeaders(kid: string, secret: string, nonce: string | number): Record<string, string> {
  const n = String(nonce)
  return {
    'X-Auth-Apikey': kid,
    'X-Auth-Nonce': n,
    'X-Auth-Signature': createHmac('sha256', secret).update(n + kid).digest('hex'),
  }
}

export async function setUser(t: TestApp, uid: string, values: Partial<typeof users.$inferInsert>) {
  await t.deps.db.update(users).set(values).where(eq(users.uid, uid))
  t.deps.authzCache.forgetUser(uid)
}

export async function userId(t: TestApp, uid: string): Promise<number> {
  const [u] = await t.deps.db.select({ id: users.id }).from(users).where(eq(users.uid, uid))
  return u!.id
}

export async function addRestriction(t: TestApp, r: { category: string; scope: string; value: string; code?: number; state?: string }) {
  const [row] = await t.deps.db
    .insert(restrictions)
    .values({ category: r.category, scope: r.scope, value: r.value, state: r.state ?? 'enabled', code: restrictionCode(r.category, r.scope, r.code) })
    .returning()
  await t.deps.authzCache.load()
  return row!
}

export async function clearRestrictions(t: TestApp) {
  await t.deps.db.delete(restrictions)
  await t.deps.authzCache.load()
}

export async function addPermission(t: TestApp, p: { role: string; verb: string; path: string; action: string; topic?: string }) {
  const [row] = await t.deps.db.insert(permissions).values({ ...p, verb: p.verb.toUpperCase(), action: p.action.toUpperCase(), topic: p.topic ?? null }).returning()
  await t.deps.authzCache.load()
  return row!
}
