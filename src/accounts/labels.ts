import { and, asc, desc, eq } from 'drizzle-orm'
import type { Config } from '../config/index.ts'
import { labels, levels, type Label, type User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import { deactivateApiKeys } from './api-keys.ts'
import type { Work } from './commit.ts'
import { nextStanding } from './user-state.ts'
import { userEventRecordOf } from './user-record.ts'
import { lockUser, updateUser } from './user-repository.ts'

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
  user = await lockUser(tx, user.id)
  const existing = await findLabel(tx, user.id, label.key, label.scope)
  let row: Label
  if (existing) {
    ;[row] = (await tx
      .update(labels)
      .set({ value: label.value, description: label.description ?? existing.description, updatedAt: now })
      .where(eq(labels.id, existing.id))
      .returning()) as [Label]
  } else {
    ;[row] = (await tx
      .insert(labels)
      .values({ userId: user.id, key: label.key, value: label.value, scope: label.scope, description: label.description ?? null, createdAt: now, updatedAt: now })
      .returning()) as [Label]
  }
  const updated = label.scope === 'private' ? await recomputeUser(w, config, user) : user
  const record = await labelRecord(w, row, updated)
  await w.event(existing ? 'model.label.updated' : 'model.label.created', { record })
  if (label.scope === 'private' && row.key === 'document' && (row.value === 'verified' || row.value === 'rejected')) {
    await w.event(`system.document.${row.value}`, { record })
  }
  return { label: row, user: updated }
}

export async function deleteLabel(w: Work, config: Config, user: User, label: Label): Promise<User> {
  user = await lockUser(w.tx, user.id)
  await w.tx.delete(labels).where(eq(labels.id, label.id))
  return label.scope === 'private' ? recomputeUser(w, config, user) : user
}

/** The user's label with this key and scope, if any. */
export async function findLabel(db: Executor, userId: number, key: string, scope: 'public' | 'private'): Promise<Label | null> {
  const [row] = await db.select().from(labels).where(and(eq(labels.userId, userId), eq(labels.key, key), eq(labels.scope, scope))).limit(1)
  return row ?? null
}

/** All the user's labels, public and private, by creation time. */
export function userLabels(db: Executor, userId: number, ordering: 'asc' | 'desc' = 'asc'): Promise<Label[]> {
  const dir = ordering === 'asc' ? asc : desc
  return db.select().from(labels).where(eq(labels.userId, userId)).orderBy(dir(labels.createdAt), dir(labels.id))
}

/** The user's labels with this key: at most one per scope, the older first. */
export function labelsWithKey(db: Executor, userId: number, key: string): Promise<Label[]> {
  return db.select().from(labels).where(and(eq(labels.userId, userId), eq(labels.key, key))).orderBy(asc(labels.id))
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
  if (next.deactivateApiKeys) await deactivateApiKeys(w, user.id)
  w.userChanged(updated.uid)
  await w.event('model.user.updated', { record: await userEventRecordOf(tx, updated), changes: next.changes })
  return updated
}
