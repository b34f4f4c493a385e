import { randomInt } from 'node:crypto'
import { and, asc, eq, isNotNull } from 'drizzle-orm'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { phones, type Phone } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import type { Work } from './commit.ts'

/**
 * A number as Barong keeps it (docs/barong-behaviour-notes.md#s9-4): valid by libphonenumber's full metadata
 * (Phonelib strict), digits of the international form without `+` (`+44 07418084106` → `447418084106`),
 * with the country it belongs to. Null when not a valid number.
 */
export function normalizePhone(input: string): { number: string; country: string } | null {
  const trimmed = input.trim()
  if (!/^\+?[0-9 ()./-]{1,40}$/.test(trimmed)) return null
  const parsed = parsePhoneNumberFromString(trimmed.startsWith('+') ? trimmed : `+${trimmed}`)
  if (!parsed || !parsed.isValid()) return null
  return { number: parsed.number.slice(1), country: parsed.country ?? '' }
}

/** Five random digits (Barong's code length), set once per phone. */
export const newPhoneCode = () => String(randomInt(0, 100_000)).padStart(5, '0')

export async function userPhones(db: Executor, userId: number): Promise<Phone[]> {
  return db.select().from(phones).where(eq(phones.userId, userId)).orderBy(asc(phones.id))
}

export async function findUserPhone(db: Executor, userId: number, number: string): Promise<Phone | null> {
  const [row] = await db.select().from(phones).where(and(eq(phones.userId, userId), eq(phones.number, number))).orderBy(asc(phones.id)).limit(1)
  return row ?? null
}

/** Whether anyone (this user included) has verified the number. */
export async function numberVerified(db: Executor, number: string): Promise<boolean> {
  const rows = await db.select({ id: phones.id }).from(phones).where(and(eq(phones.number, number), isNotNull(phones.validatedAt))).limit(1)
  return rows.length > 0
}

export async function addPhone(w: Work, input: { userId: number; number: string; country: string; code: string }): Promise<Phone> {
  const [row] = await w.tx.insert(phones).values({ ...input, createdAt: w.now, updatedAt: w.now }).returning()
  return row!
}

export async function markPhoneVerified(w: Work, phone: Phone): Promise<void> {
  await w.tx.update(phones).set({ validatedAt: w.now, updatedAt: w.now }).where(eq(phones.id, phone.id))
}
