import { and, eq } from 'drizzle-orm'
import type { Config } from '../config/index.ts'
import { apiKeys, labels, levels, type Label, type User } from '../storage/schema/index.ts'
import type { Work } from './commit.ts'
import { nextStanding } from './user-state.ts'
import { userEventRecordOf } from './user-record.ts'
import { updateUser } from './user-repository.ts'

async function labelRecord(w: Work, label: Label, user: User) {
  return { id: label.id, key: label.key, value: label.value, description: label.description, user: await userEventRecordOf(w.tx, user) }
}

/**
 * Creates or updates a label, then (for private labels) recomputes the owner's state and level as
 * Barong does after every private-label commit (docs/barong-behaviour-notes.md#s5-4), with its events.
 */
export async function upsertLabel(
  w: Work,
  config: Config,
  user: User,
  label: { key: string; value: string; scope: 'public' | 'private'; description?: string | null },
): Promise<{ label: Label; user: User }> {
  const { tx, now } = w
  const existing = await tx
    .select()
    .from(labels)
    .where(and(eq(labels.userId, user.id), eq(labels.key, label.key), eq(labels.scope, label.scope)))
    .limit(1)
  let row: Label
  if (existing[0]) {
    ;[row] = (await tx
      .update(labels)
      .set({ value: label.value, description: label.description ?? existing[0].description, updatedAt: now })
      .where(eq(labels.id, existing[0].id))
      .returning()) as [Label]
  } else {
    ;[row] = (await tx
      .insert(labels)
      .values({ userId: user.id, key: label.key, value: label.value, scope: label.scope, description: label.description ?? null, createdAt: now, updatedAt: now })
      .returning()) as [Label]
  }
  const updated = label.scope === 'private' ? await recomputeUser(w, config, user) : user
  const record = await labelRecord(w, row, updated)
  await w.event(existing[0] ? 'model.label.updated' : 'model.label.created', { record })
  if (label.scope === 'private' && row.key === 'document' && (row.value === 'verified' || row.value === 'rejected')) {
    await w.event(`system.document.${row.value}`, { record })
  }
  return { label: row, user: updated }
}

/**
 * State and level from the user's labels; writes and emits `model.user.updated` only on change. A
 * user who stops being active loses their API keys, in memory as in the table.
 */
export async function recomputeUser(w: Work, config: Config, user: User): Promise<User> {
  const { tx, now } = w
  const [all, lvls] = await Promise.all([tx.select().from(labels).where(eq(labels.userId, user.id)), tx.select().from(levels)])
  const next = nextStanding(user, all, lvls, config.barong)
  if (!next) return user
  const updated = await updateUser(tx, user.id, { state: next.state, level: next.level, updatedAt: now })
  if (next.deactivateApiKeys) {
    const off = await tx
      .update(apiKeys)
      .set({ state: 'inactive', updatedAt: now })
      .where(and(eq(apiKeys.userId, user.id), eq(apiKeys.state, 'active')))
      .returning({ id: apiKeys.id })
    if (off.length) w.tableChanged('apikeys')
  }
  w.userChanged(updated.uid)
  await w.event('model.user.updated', { record: await userEventRecordOf(tx, updated), changes: next.changes })
  return updated
}
