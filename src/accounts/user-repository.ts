import { and, asc, eq, inArray, sql } from 'drizzle-orm'
import { comments, documents, permissions, users, type User } from '../storage/schema/index.ts'
import { preparedPer } from '../storage/prepared.ts'
import type { Executor } from '../storage/tx.ts'

/** Barong stores addresses trimmed and lower-cased; every lookup by address goes through this. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase()

const userByEmail = preparedPer((db: Executor) =>
  db.select().from(users).where(eq(users.email, sql.placeholder('email'))).limit(1).prepare('user_by_email'),
)

export async function findUserByEmail(db: Executor, email: string): Promise<User | null> {
  const [row] = await userByEmail(db).execute({ email: normalizeEmail(email) })
  return row ?? null
}

export async function findUserByUid(db: Executor, uid: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(eq(users.uid, uid)).limit(1)
  return row ?? null
}

/** The user a one-time token names: both its uid and its address must still match. */
export async function findUserByUidAndEmail(db: Executor, uid: string, email: string): Promise<User | null> {
  const [row] = await db.select().from(users).where(and(eq(users.uid, uid), eq(users.email, normalizeEmail(email)))).limit(1)
  return row ?? null
}

export async function userIdOfUid(db: Executor, uid: string): Promise<number | null> {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.uid, uid)).limit(1)
  return row?.id ?? null
}

export async function emailTaken(db: Executor, email: string): Promise<boolean> {
  const rows = await db.select({ id: users.id }).from(users).where(eq(users.email, normalizeEmail(email))).limit(1)
  return rows.length > 0
}

export async function uidOf(db: Executor, id: number): Promise<string | null> {
  const rows = await db.select({ uid: users.uid }).from(users).where(eq(users.id, id)).limit(1)
  return rows[0]?.uid ?? null
}

/** The uids of many users by id, one query (referrers of a listing). */
export async function uidsOf(db: Executor, ids: readonly number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map()
  const rows = await db.select({ id: users.id, uid: users.uid }).from(users).where(inArray(users.id, [...new Set(ids)]))
  return new Map(rows.map((r) => [r.id, r.uid]))
}

/** Changes columns of one user; returns the row as written. */
export async function updateUser(db: Executor, id: number, patch: Partial<Omit<User, 'id' | 'uid'>>): Promise<User> {
  const [row] = await db.update(users).set(patch).where(eq(users.id, id)).returning()
  if (!row) throw new Error(`user ${id} vanished during an update`)
  return row
}

/**
 * Locks the user's row until the transaction ends and returns it as it is now: writes that read the user's
 * labels or rows and then decide (a label's uniqueness, the level recomputed from all labels) queue per user
 * instead of racing each other.
 */
export async function lockUser(tx: Executor, id: number): Promise<User> {
  const [row] = await tx.select().from(users).where(eq(users.id, id)).for('update')
  if (!row) throw new Error(`user ${id} vanished before a locked write`)
  return row
}

export async function roleExists(db: Executor, role: string): Promise<boolean> {
  const rows = await db.select({ one: sql`1` }).from(permissions).where(eq(permissions.role, role)).limit(1)
  return rows.length > 0
}

/** Rows of one table for many users, in id order, grouped by user id. */
async function groupedByUser<R extends { userId: number }>(rows: Promise<R[]>): Promise<Map<number, R[]>> {
  const out = new Map<number, R[]>()
  for (const r of await rows) {
    const list = out.get(r.userId)
    if (list) list.push(r)
    else out.set(r.userId, [r])
  }
  return out
}

export const documentsOfUsers = (db: Executor, ids: readonly number[]) =>
  groupedByUser(db.select().from(documents).where(inArray(documents.userId, [...ids])).orderBy(asc(documents.id)))
export const commentsOfUsers = (db: Executor, ids: readonly number[]) =>
  groupedByUser(db.select().from(comments).where(inArray(comments.userId, [...ids])).orderBy(asc(comments.id)))
