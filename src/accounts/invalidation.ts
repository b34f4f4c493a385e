import { sql } from 'drizzle-orm'
import { keys } from '../cache/keys.ts'
import type { Store } from '../cache/store.ts'
import { configVersions } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'

/** What in-memory caches hold, and what an admin write can make stale. */
export type CacheName = 'permissions' | 'restrictions' | 'apikeys' | 'users'

/** Bumps the durable version (the periodic check of every instance reads it) in the caller's transaction. */
export async function bumpVersion(db: Executor, name: CacheName, now: Date): Promise<void> {
  await db
    .insert(configVersions)
    .values({ name, version: 1, updatedAt: now })
    .onConflictDoUpdate({ target: configVersions.name, set: { version: sql`${configVersions.version} + 1`, updatedAt: now } })
}

/** Tells every instance to reload now; a lost message is caught by the periodic version check. */
export async function announce(store: Store, name: CacheName, detail = ''): Promise<void> {
  try {
    await store.publish(keys.invalidation, detail ? `${name}:${detail}` : name)
  } catch {
    // The version bump is durable; instances converge at their next periodic check.
  }
}
