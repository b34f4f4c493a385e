import { and, desc, eq } from 'drizzle-orm'
import { activities, permissions } from '../../src/storage/schema/index.ts'
import type { TestApp } from './app.ts'
import { setUser, userId } from './gateway.ts'
import { type Client, register, seededApp } from './http.ts'

export const ADMIN = '/api/v2/barong/admin'

/**
 * Barong's default seeds without the AUDIT rows: a refused admin write then leaves the database exactly as it
 * was (the gateway's audit record of the request aside), and the admin activities seen are the changes' own.
 */
export async function adminApp(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await seededApp(env)
  await t.deps.db.delete(permissions).where(eq(permissions.action, 'AUDIT'))
  await t.deps.authzCache.load()
  return t
}

export interface Staff {
  client: Client
  uid: string
  id: number
  email: string
}

/** A signed-in, active user with `role` (`member` for a plain user). */
export async function staff(t: TestApp, role = 'member', extra: Record<string, unknown> = {}): Promise<Staff> {
  const { client, body, email } = await register(t)
  await setUser(t, body.uid, { role, state: 'active', level: 1, ...extra })
  return { client, uid: body.uid as string, id: await userId(t, body.uid), email }
}

/** The newest admin change record about `targetUid` (or of the topic), as recordAdminChange wrote it. */
export async function lastAdminChange(t: TestApp, topic: string) {
  const [row] = await t.deps.db
    .select()
    .from(activities)
    .where(and(eq(activities.category, 'admin'), eq(activities.topic, topic), eq(activities.result, 'succeed')))
    .orderBy(desc(activities.id))
    .limit(1)
  return row ? { ...row, data: JSON.parse(row.data ?? 'null') as Record<string, unknown> } : undefined
}
