import { eq, sql } from 'drizzle-orm'
import type { Config } from '../config/index.ts'
import { hashPassword } from '../crypto/password.ts'
import { recordEvent } from '../events/outbox.ts'
import { permissions, users, type User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import { checkPassword, rubyRegexpToJs } from './password-strength.ts'
import { isValidEmail } from './email-format.ts'
import { generateUid } from './uid.ts'
import { userEventRecord } from './user-record.ts'

export interface NewUserInput {
  email: string
  password: string
  role?: string
  state?: string
  level?: number
  data?: string | null
  referralId?: number | null
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase()

const regexpCache = new Map<string, RegExp>()
export function passwordPolicyOf(config: Config) {
  const env = config.env
  let regexp = regexpCache.get(env.BARONG_PASSWORD_REGEXP)
  if (!regexp) regexpCache.set(env.BARONG_PASSWORD_REGEXP, (regexp = rubyRegexpToJs(env.BARONG_PASSWORD_REGEXP)))
  return { regexp, minEntropy: env.BARONG_PASSWORD_MIN_ENTROPY, useDictionary: env.BARONG_PASSWORD_USE_DICTIONARY }
}

/** Barong's `data` column: JSON text of at most 1024 characters. */
export function checkUserData(data: string | null | undefined): string[] {
  if (data === null || data === undefined) return []
  const errs: string[] = []
  try {
    JSON.parse(data)
  } catch {
    errs.push('data.invalid_format')
  }
  if (data.length > 1024) errs.push('data.too_long')
  return errs
}

export async function roleExists(db: Executor, role: string): Promise<boolean> {
  const rows = await db.select({ one: sql`1` }).from(permissions).where(eq(permissions.role, role)).limit(1)
  return rows.length > 0
}

/** Model validation of a new user, Barong's keys in attribute order (email, password, data, role). */
export async function validateNewUser(db: Executor, config: Config, input: NewUserInput): Promise<string[]> {
  const errs: string[] = []
  const email = normalizeEmail(input.email)
  if (email === '') errs.push('email.blank')
  else if (!isValidEmail(email)) errs.push('email.invalid')
  else if ((await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1)).length) errs.push('email.taken')
  const pw = checkPassword(input.password, passwordPolicyOf(config))
  if (pw) errs.push(pw)
  errs.push(...checkUserData(input.data))
  if (!(await roleExists(db, input.role ?? 'member'))) errs.push('role.doesnt_exist')
  return errs
}

/** Inserts a validated user (unique uid) and records `model.user.created`, inside the caller's transaction. */
export async function insertUser(tx: Executor, config: Config, input: NewUserInput, now: Date): Promise<User> {
  const passwordDigest = await hashPassword(input.password)
  for (let attempt = 0; ; attempt++) {
    const uid = generateUid(config.env.BARONG_UID_PREFIX)
    const rows = await tx
      .insert(users)
      .values({
        uid,
        email: normalizeEmail(input.email),
        passwordDigest,
        role: input.role ?? 'member',
        state: input.state ?? 'pending',
        level: input.level ?? 0,
        data: input.data ?? null,
        referralId: input.referralId ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: users.uid })
      .returning()
    const user = rows[0]
    if (user) {
      const referralUid = user.referralId ? await uidOf(tx, user.referralId) : null
      await recordEvent(tx, 'model.user.created', { record: userEventRecord(user, referralUid) })
      return user
    }
    if (attempt > 5) throw new Error('could not generate a unique uid')
  }
}

export async function uidOf(db: Executor, id: number): Promise<string | null> {
  const rows = await db.select({ uid: users.uid }).from(users).where(eq(users.id, id)).limit(1)
  return rows[0]?.uid ?? null
}
