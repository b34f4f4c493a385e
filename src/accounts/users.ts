import type { Config } from '../config/index.ts'
import { hashPassword } from '../crypto/password.ts'
import { levels, users, type User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import { isJsonText } from '../util/values.ts'
import type { Work } from './commit.ts'
import { isValidEmail } from './email-format.ts'
import { upsertLabel } from './labels.ts'
import { checkPassword, rubyRegexpToJs } from './password-strength.ts'
import { generateUid } from './uid.ts'
import { userEventRecordOf } from './user-record.ts'
import { emailTaken, normalizeEmail, roleExists, updateUser } from './user-repository.ts'

export { normalizeEmail } from './user-repository.ts'

export interface NewUserInput {
  email: string
  password: string
  role?: string
  state?: string
  level?: number
  data?: string | null
  referralId?: number | null
}

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
  if (!isJsonText(data)) errs.push('data.invalid_format')
  if (data.length > 1024) errs.push('data.too_long')
  return errs
}

/** Model validation of a new user, Barong's keys in attribute order (email, password, data, role). */
export async function validateNewUser(db: Executor, config: Config, input: NewUserInput): Promise<string[]> {
  const errs: string[] = []
  const email = normalizeEmail(input.email)
  if (email === '') errs.push('email.blank')
  else if (!isValidEmail(email)) errs.push('email.invalid')
  else if (await emailTaken(db, email)) errs.push('email.taken')
  const pw = checkPassword(input.password, passwordPolicyOf(config))
  if (pw) errs.push(pw)
  errs.push(...checkUserData(input.data))
  if (!(await roleExists(db, input.role ?? 'member'))) errs.push('role.doesnt_exist')
  return errs
}

/** Inserts a validated user (unique uid) and records `model.user.created`. */
export async function insertUser(w: Work, config: Config, input: NewUserInput): Promise<User> {
  const passwordDigest = await hashPassword(input.password)
  for (let attempt = 0; ; attempt++) {
    const uid = generateUid(config.env.BARONG_UID_PREFIX)
    const rows = await w.tx
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
        createdAt: w.now,
        updatedAt: w.now,
      })
      .onConflictDoNothing({ target: users.uid })
      .returning()
    const user = rows[0]
    if (user) {
      await w.event('model.user.created', { record: await userEventRecordOf(w.tx, user) })
      return user
    }
    if (attempt > 5) throw new Error('could not generate a unique uid')
  }
}

export class NotEnoughLevels extends Error {}

/**
 * A user with private labels for levels 1..level, as the operator asks (`barong user create`, seeded
 * users); a given state wins over what the labels imply (an active admin needs no email confirmation).
 */
export async function createUserWithLevels(w: Work, config: Config, input: NewUserInput, level: number, state?: string): Promise<User> {
  let user = await insertUser(w, config, input)
  const lvls = (await w.tx.select().from(levels)).filter((l) => l.id <= level).sort((a, b) => a.id - b.id)
  if (lvls.length < level) throw new NotEnoughLevels(`level ${level}: only ${lvls.length} levels are defined (run barong seed)`)
  for (const l of lvls) ({ user } = await upsertLabel(w, config, user, { key: l.key, value: l.value, scope: 'private' }))
  if (state && state !== user.state) user = await updateUser(w.tx, user.id, { state, updatedAt: w.now })
  return user
}

/**
 * Stores a new password. Only `password_digest` changes, which the event record does not show: Barong still
 * emits `model.user.updated` with no changes (docs/barong-behaviour-notes.md#s8). Returns the user's event record.
 */
export async function setPassword(w: Work, user: User, password: string) {
  const updated = await updateUser(w.tx, user.id, { passwordDigest: await hashPassword(password), updatedAt: w.now })
  const record = await userEventRecordOf(w.tx, updated)
  await w.event('model.user.updated', { record, changes: {} })
  return record
}
