import { and, eq } from 'drizzle-orm'
import type { Config } from '../config/index.ts'
import { recordEvent } from '../events/outbox.ts'
import { apiKeys, labels, levels, users, type Label, type User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import { computeLevel, computeState } from './user-state.ts'
import { userEventRecord } from './user-record.ts'
import { uidOf } from './users.ts'

async function labelRecord(tx: Executor, label: Label, user: User) {
  const referral = user.referralId ? await uidOf(tx, user.referralId) : null
  return { id: label.id, key: label.key, value: label.value, description: label.description, user: userEventRecord(user, referral) }
}

/**
 * Creates or updates a label, then (for private labels) recomputes the owner's state and level as
 * Barong does after every private-label commit (docs/barong-behaviour-notes.md#s5-4), with its events. Runs in the
 * caller's transaction.
 */
export async function upsertLabel(
  tx: Executor,
  config: Config,
  user: User,
  label: { key: string; value: string; scope: 'public' | 'private'; description?: string | null },
  now: Date,
): Promise<{ label: Label; user: User }> {
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
  const updated = label.scope === 'private' ? await recomputeUser(tx, config, user, now) : user
  await recordEvent(tx, existing[0] ? 'model.label.updated' : 'model.label.created', { record: await labelRecord(tx, row, updated) })
  if (label.scope === 'private' && row.key === 'document' && (row.value === 'verified' || row.value === 'rejected')) {
    await recordEvent(tx, `system.document.${row.value}`, { record: await labelRecord(tx, row, updated) })
  }
  return { label: row, user: updated }
}

/** State and level from the user's labels; writes and emits `model.user.updated` only on change. */
export async function recomputeUser(tx: Executor, config: Config, user: User, now: Date): Promise<User> {
  const all = await tx.select().from(labels).where(eq(labels.userId, user.id))
  const lvls = await tx.select().from(levels)
  const state = computeState(all, config.barong)
  const level = computeLevel(all, lvls)
  if (state === user.state && level === user.level) return user
  const [updated] = (await tx.update(users).set({ state, level, updatedAt: now }).where(eq(users.id, user.id)).returning()) as [User]
  if (state !== user.state && state !== 'active') {
    // Barong deactivates every key of a user who stops being active.
    await tx.update(apiKeys).set({ state: 'inactive', updatedAt: now }).where(and(eq(apiKeys.userId, user.id), eq(apiKeys.state, 'active')))
  }
  const changes: Record<string, unknown> = {}
  if (state !== user.state) changes.state = user.state
  if (level !== user.level) changes.level = user.level
  const referral = updated.referralId ? await uidOf(tx, updated.referralId) : null
  await recordEvent(tx, 'model.user.updated', { record: userEventRecord(updated, referral), changes })
  return updated
}
