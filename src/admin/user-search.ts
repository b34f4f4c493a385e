import { and, asc, count, desc, eq, exists, gte, inArray, lte, sql, type SQL } from 'drizzle-orm'
import { normalizeEmail } from '../accounts/user-repository.ts'
import { labels, profiles, users, type User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'

/**
 * The admin user search (docs/barong-behaviour-notes.md#s4-4-1): Barong's exact-match filters, a created/updated
 * range in unix seconds (inclusive), ordering on a whitelist of columns. Profile filters match any of the user's
 * profiles (Barong joined and de-duplicated; EXISTS gives the same set without duplicates).
 */
export interface UserFilter {
  uid?: string | undefined
  email?: string | undefined
  role?: string | undefined
  level?: number | undefined
  state?: string | undefined
  country?: string | undefined
  /** Keyed digests of the sealed names (profile-seal.ts), compared instead of the names themselves. */
  firstNameDigest?: string | undefined
  lastNameDigest?: string | undefined
  range: 'created' | 'updated'
  from?: number | undefined
  to?: number | undefined
}

/** Columns an admin may order by: Barong allowed any, which let a caller sort by password digests. */
export const USER_ORDER_COLUMNS = {
  id: users.id,
  uid: users.uid,
  email: users.email,
  role: users.role,
  level: users.level,
  otp: users.otp,
  state: users.state,
  referral_id: users.referralId,
  created_at: users.createdAt,
  updated_at: users.updatedAt,
} as const
export type UserOrderColumn = keyof typeof USER_ORDER_COLUMNS

export interface UserOrder {
  by: UserOrderColumn
  dir: 'asc' | 'desc'
}

function profileMatch(f: UserFilter): SQL | undefined {
  const conds = [
    f.country !== undefined ? eq(profiles.country, f.country) : undefined,
    f.firstNameDigest !== undefined ? eq(profiles.firstNameDigest, f.firstNameDigest) : undefined,
    f.lastNameDigest !== undefined ? eq(profiles.lastNameDigest, f.lastNameDigest) : undefined,
  ].filter((c): c is SQL => c !== undefined)
  if (!conds.length) return undefined
  return exists(sql`(select 1 from ${profiles} where ${and(eq(profiles.userId, users.id), ...conds)})`)
}

export function userWhere(f: UserFilter): SQL | undefined {
  const column = f.range === 'updated' ? users.updatedAt : users.createdAt
  return and(
    f.uid !== undefined ? eq(users.uid, f.uid) : undefined,
    f.email !== undefined ? eq(users.email, normalizeEmail(f.email)) : undefined,
    f.role !== undefined ? eq(users.role, f.role) : undefined,
    f.level !== undefined ? eq(users.level, f.level) : undefined,
    f.state !== undefined ? eq(users.state, f.state) : undefined,
    f.from !== undefined ? gte(column, new Date(f.from * 1000)) : undefined,
    f.to !== undefined ? lte(column, new Date(f.to * 1000)) : undefined,
    profileMatch(f),
  )
}

export async function countUsers(db: Executor, f: UserFilter): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users).where(userWhere(f))
  return row?.n ?? 0
}

export function usersPage(db: Executor, f: UserFilter, order: UserOrder, w: { limit: number; offset: number }): Promise<User[]> {
  const dir = order.dir === 'asc' ? asc : desc
  return db
    .select()
    .from(users)
    .where(userWhere(f))
    .orderBy(dir(USER_ORDER_COLUMNS[order.by]), dir(users.id))
    .limit(w.limit)
    .offset(w.offset)
}

/** The private `document` label a review waits on. */
const pendingDocument = and(eq(labels.userId, users.id), eq(labels.key, 'document'), eq(labels.scope, 'private'), inArray(labels.value, ['pending', 'replaced']))

export async function countPendingReviews(db: Executor, f: UserFilter): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users).innerJoin(labels, pendingDocument).where(userWhere(f))
  return row?.n ?? 0
}

/** Users whose documents wait for review, the longest waiting first (by the label's last change). */
export async function pendingReviewsPage(db: Executor, f: UserFilter, w: { limit: number; offset: number }): Promise<User[]> {
  const rows = await db
    .select({ user: users })
    .from(users)
    .innerJoin(labels, pendingDocument)
    .where(userWhere(f))
    .orderBy(asc(labels.updatedAt), asc(users.id))
    .limit(w.limit)
    .offset(w.offset)
  return rows.map((r) => r.user)
}
