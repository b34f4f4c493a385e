import { and, eq, sql } from 'drizzle-orm'
import { dataStorages, type DataStorage, type User } from '../storage/schema/index.ts'
import { isJsonText } from '../util/values.ts'
import type { Work } from './commit.ts'
import { labelKeyErrors, normalizeLabelField } from './label-format.ts'
import { deleteLabel, findLabel, upsertLabel } from './labels.ts'
import type { Config } from '../config/index.ts'
import { isoSeconds, userEventRecordOf } from './user-record.ts'
import { lockUser } from './user-repository.ts'

/** Titles no storage may take: they name Barong's own labels (docs/barong-behaviour-notes.md §4.3.9). */
export const RESERVED_TITLES = ['document', 'label', 'profile', 'phone', 'user'] as const
const MAX_DATA = 5120

/**
 * Barong's model keys for a new storage, attribute by attribute as its validators run (data length, data
 * format, then title uniqueness, inclusion, exclusion). Pure: `taken` is whether the user already has the
 * title in any letter case.
 */
export function dataStorageErrors(input: { title: string; data: string }, allowedTitles: readonly string[], taken: boolean): string[] {
  const errs: string[] = []
  if (input.data.length > MAX_DATA) errs.push('data.too_long')
  if (!isJsonText(input.data)) errs.push('data.invalid_format')
  if (taken) errs.push('title.taken')
  if (!allowedTitles.includes(input.title)) errs.push('title.inclusion')
  if ((RESERVED_TITLES as readonly string[]).includes(input.title)) errs.push('title.exclusion')
  return errs
}

export class DataStorageInvalid extends Error {
  constructor(readonly keys: string[]) {
    super(keys.join(', '))
  }
}

/**
 * Stores the user's document under a title, once per title whatever its case, with the private label
 * `<title>:recorded`. The label is skipped, as Barong's failed `create` skipped it, when the title is no
 * valid label key or the user already has a private label with that key (an `email` storage must not
 * overwrite `email:verified`).
 */
export async function createDataStorage(w: Work, config: Config, user: User, input: { title: string; data: string }): Promise<DataStorage> {
  // One storage per title: concurrent requests of the user queue on their row.
  await lockUser(w.tx, user.id)
  const [same] = await w.tx
    .select({ id: dataStorages.id })
    .from(dataStorages)
    .where(and(eq(dataStorages.userId, user.id), eq(sql`lower(${dataStorages.title})`, input.title.toLowerCase())))
    .limit(1)
  const invalid = dataStorageErrors(input, config.barong.user_storage_titles, same !== undefined)
  if (invalid.length) throw new DataStorageInvalid(invalid)
  const [row] = (await w.tx.insert(dataStorages).values({ userId: user.id, title: input.title, data: input.data, createdAt: w.now, updatedAt: w.now }).returning()) as [DataStorage]
  await w.event('model.data_storage.created', {
    record: { user: await userEventRecordOf(w.tx, user), title: row.title, data: row.data, created_at: isoSeconds(row.createdAt), updated_at: isoSeconds(row.updatedAt) },
  })
  const key = normalizeLabelField(row.title)
  if (!labelKeyErrors(key).length && !(await findLabel(w.tx, user.id, key, 'private'))) {
    await upsertLabel(w, config, user, { key, value: 'recorded', scope: 'private' })
  }
  return row
}

/**
 * Removes the user's storage with this title (exact) and the `<title>:recorded` label it set, which Barong left
 * behind; a label of that key with another value was not the storage's and stays. False when there is none.
 */
export async function deleteDataStorage(w: Work, config: Config, user: User, title: string): Promise<boolean> {
  const [row] = await w.tx.delete(dataStorages).where(and(eq(dataStorages.userId, user.id), eq(dataStorages.title, title))).returning()
  if (!row) return false
  const label = await findLabel(w.tx, user.id, normalizeLabelField(title), 'private')
  if (label?.value === 'recorded') await deleteLabel(w, config, user, label)
  return true
}
