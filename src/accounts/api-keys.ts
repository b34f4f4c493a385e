import { randomBytes } from 'node:crypto'
import { and, asc, count, desc, eq } from 'drizzle-orm'
import type { SecretBox } from '../crypto/secretbox.ts'
import type { PageWindow } from '../http/paginate.ts'
import { apiKeys, type ApiKey } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import type { Work } from './commit.ts'

/**
 * A user's API keys (docs/barong-behaviour-notes.md#s3-2). Every write goes through a `Work` and marks the
 * `apikeys` table changed, so the gateway's in-memory keys follow before the response returns.
 */

/** HMAC algorithms a key may be created with; the gateway signs with SHA-<n> of the name (Barong's mapping). */
export const API_KEY_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
export const API_KEY_STATES = ['active', 'inactive'] as const

/** Columns a list may be ordered by: the entity's own fields, never the secret. */
export const API_KEY_ORDER_COLUMNS = {
  id: apiKeys.id,
  kid: apiKeys.kid,
  algorithm: apiKeys.algorithm,
  scope: apiKeys.scope,
  state: apiKeys.state,
  created_at: apiKeys.createdAt,
  updated_at: apiKeys.updatedAt,
} as const
export type ApiKeyOrderColumn = keyof typeof API_KEY_ORDER_COLUMNS

/** Barong's model errors for an algorithm: a non-HMAC one gets no kid (`kid.blank`), any other unknown one `algorithm.inclusion`. */
export function algorithmErrors(algorithm: string): string[] {
  if ((API_KEY_ALGORITHMS as readonly string[]).includes(algorithm)) return []
  return algorithm.includes('HS') ? ['algorithm.inclusion'] : ['kid.blank', 'algorithm.inclusion']
}

/** `"trade, read,"` → `["trade","read"]`, stored as JSON text. */
export function parseScope(scope: string | undefined): string[] {
  return (scope ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

export function scopeOf(key: ApiKey): string[] {
  try {
    const v: unknown = JSON.parse(key.scope ?? '[]')
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

/** A new key: 16-hex kid, 32-hex secret (the HMAC key is this ASCII text, as Barong's), sealed at rest. */
export async function createApiKey(
  w: Work,
  secrets: SecretBox,
  input: { userId: number; algorithm: string; scope: string[] },
): Promise<{ key: ApiKey; secret: string }> {
  const secret = randomBytes(16).toString('hex')
  const [key] = await w.tx
    .insert(apiKeys)
    .values({
      userId: input.userId,
      kid: randomBytes(8).toString('hex'),
      algorithm: input.algorithm,
      scope: JSON.stringify(input.scope),
      state: 'active',
      secretEncrypted: secrets.seal(secret),
      createdAt: w.now,
      updatedAt: w.now,
    })
    .returning()
  w.tableChanged('apikeys')
  return { key: key!, secret }
}

export async function findUserApiKey(db: Executor, userId: number, kid: string): Promise<ApiKey | null> {
  const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.userId, userId), eq(apiKeys.kid, kid))).limit(1)
  return row ?? null
}

export async function updateApiKey(w: Work, key: ApiKey, patch: { scope?: string[]; state?: string }): Promise<ApiKey> {
  const [row] = await w.tx
    .update(apiKeys)
    .set({
      ...(patch.scope !== undefined ? { scope: JSON.stringify(patch.scope) } : {}),
      ...(patch.state !== undefined ? { state: patch.state } : {}),
      updatedAt: w.now,
    })
    .where(eq(apiKeys.id, key.id))
    .returning()
  w.tableChanged('apikeys')
  return row!
}

export async function deleteApiKey(w: Work, key: ApiKey): Promise<void> {
  await w.tx.delete(apiKeys).where(eq(apiKeys.id, key.id))
  w.tableChanged('apikeys')
}

/** Barong switches off every active key of a user who loses 2FA or stops being active. */
export async function deactivateApiKeys(w: Work, userId: number): Promise<void> {
  const off = await w.tx
    .update(apiKeys)
    .set({ state: 'inactive', updatedAt: w.now })
    .where(and(eq(apiKeys.userId, userId), eq(apiKeys.state, 'active')))
    .returning({ id: apiKeys.id })
  if (off.length) w.tableChanged('apikeys')
}

export async function countUserApiKeys(db: Executor, userId: number): Promise<number> {
  const [row] = await db.select({ n: count() }).from(apiKeys).where(eq(apiKeys.userId, userId))
  return row?.n ?? 0
}

export function userApiKeysPage(db: Executor, userId: number, order: { by: ApiKeyOrderColumn; dir: 'asc' | 'desc' }, w: PageWindow): Promise<ApiKey[]> {
  const col = API_KEY_ORDER_COLUMNS[order.by]
  const dir = order.dir === 'desc' ? desc : asc
  // id breaks ties so pages never overlap.
  return db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(dir(col), dir(apiKeys.id)).limit(w.limit).offset(w.offset)
}
