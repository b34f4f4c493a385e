import { randomBytes } from 'node:crypto'
import { and, asc, count, eq } from 'drizzle-orm'
import type { Config } from '../config/index.ts'
import { documents, type Document, type User } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import { acceptedType } from '../uploads/file-type.ts'
import type { FileStore } from '../uploads/file-store.ts'
import { isBlank, isJsonText } from '../util/values.ts'
import type { Work } from './commit.ts'
import { enqueueKycJob } from './kyc-jobs.ts'
import { upsertLabel } from './labels.ts'
import { isoSeconds, userEventRecordOf } from './user-record.ts'
import { lockUser } from './user-repository.ts'

/** KYC documents (docs/barong-behaviour-notes.md#s4-3-4): validation, storage of the files, rows, labels. */
export interface DocumentInput {
  docType: string
  docNumber: string | null
  docExpire: string | null
  docCategory: string | null
  identificator: string | null
  metadata: string | null
}

export interface Upload {
  name: string
  bytes: Uint8Array
}

export class DocumentRefused extends Error {
  constructor(
    readonly keys: string[],
    readonly status: 400 | 422,
  ) {
    super(keys.join(', '))
  }
}

export const ADDRESS = 'Address'
const DOC_NUMBER = /^[A-Za-z0-9\-\s]+$/

/**
 * Where a document's file is served (`upload.url`): to its owner under /resource, to staff who may read documents
 * under /admin. Barong's local storage served `/uploads/document/upload/<id>/<name>` to anyone holding the link
 * (docs/differences-from-barong.md#d47).
 */
export const uploadUrl = (d: Pick<Document, 'id'>, reader: 'owner' | 'staff') =>
  `/api/v2/barong/${reader === 'owner' ? 'resource' : 'admin'}/documents/${d.id}/upload`

/** The document with this id (the owner's only, when `userId` is given), or null. */
export async function findDocument(db: Executor, id: number, userId?: number): Promise<Document | null> {
  const [row] = await db.select().from(documents).where(userId === undefined ? eq(documents.id, id) : and(eq(documents.id, id), eq(documents.userId, userId))).limit(1)
  return row ?? null
}

/**
 * Barong's model validations in its order: the file's integrity (extension whitelist, content of that type, size)
 * first, then the columns. Address documents need no expiry date (Barong 2.5.21 refused every address upload while
 * BARONG_REQUIRED_DOCS_EXPIRE was on: docs/differences-from-barong.md#d43).
 */
export function documentErrors(input: DocumentInput, file: Upload, env: Config['env'], types: readonly string[], today: string): string[] {
  const errors: string[] = []
  const sizeOk = file.bytes.length >= env.BARONG_UPLOAD_SIZE_MIN_RANGE && file.bytes.length <= env.BARONG_UPLOAD_SIZE_MAX_RANGE * 1024 * 1024
  if (!sizeOk || !acceptedType(file.name, file.bytes, env.BARONG_UPLOAD_EXTENSION_WHITELIST)) errors.push('upload.carrierwave_integrity_error')
  if (isBlank(input.docType)) errors.push('doc_type.blank')
  else if (!types.includes(input.docType)) errors.push('doc_type.inclusion')
  const expiryRequired = env.BARONG_REQUIRED_DOCS_EXPIRE && input.docType !== ADDRESS
  if (expiryRequired && !input.docExpire) errors.push('doc_expire.blank')
  if (input.metadata != null && !isBlank(input.metadata) && !isJsonText(input.metadata)) errors.push('metadata.invalid_format')
  if (input.docNumber != null && !isBlank(input.docNumber)) {
    if (input.docNumber.length > 128) errors.push('doc_number.too_long')
    if (!DOC_NUMBER.test(input.docNumber)) errors.push('doc_number.invalid')
  }
  if (expiryRequired && input.docExpire && input.docExpire < today) errors.push('doc_expire.invalid')
  return errors
}

export async function documentCount(db: Executor, userId: number): Promise<number> {
  const [row] = await db.select({ n: count() }).from(documents).where(eq(documents.userId, userId))
  return row?.n ?? 0
}

export function userDocuments(db: Executor, userId: number): Promise<Document[]> {
  return db.select().from(documents).where(eq(documents.userId, userId)).orderBy(asc(documents.id))
}

export interface DocumentDeps {
  config: Config
  files: FileStore
}

/**
 * One row per file, all sharing the batch's identificator; every file is checked before any is stored, so a
 * refusal leaves nothing behind (Barong saved them one by one). Names of the stored files are pushed to `stored`
 * as they are written: the caller removes them if the transaction does not commit.
 */
export async function createDocuments(w: Work, deps: DocumentDeps, user: User, input: DocumentInput, uploads: readonly Upload[], stored: string[], opts: { limit: boolean }): Promise<Document[]> {
  const env = deps.config.env
  await lockUser(w.tx, user.id)
  if (opts.limit) {
    const n = await documentCount(w.tx, user.id)
    if (n > env.BARONG_DOC_NUM_LIMIT) throw new DocumentRefused(['resource.documents.limit_reached'], 400)
    if (n + uploads.length > env.BARONG_DOC_NUM_LIMIT) throw new DocumentRefused(['resource.documents.limit_will_be_reached'], 400)
  }
  const today = w.now.toISOString().slice(0, 10)
  for (const file of uploads) {
    const errors = documentErrors(input, file, env, deps.config.barong.document_types, today)
    if (errors.length) throw new DocumentRefused(errors, 422)
  }
  const identificator = input.identificator ?? randomBytes(16).toString('hex')
  const rows: Document[] = []
  for (const file of uploads) {
    const ext = acceptedType(file.name, file.bytes, env.BARONG_UPLOAD_EXTENSION_WHITELIST)!
    const name = await deps.files.put(file.bytes, ext)
    stored.push(name)
    const [row] = (await w.tx
      .insert(documents)
      .values({
        userId: user.id,
        upload: name,
        docType: input.docType,
        docNumber: input.docNumber,
        docExpire: input.docExpire,
        docCategory: input.docCategory,
        identificator,
        metadata: input.metadata,
        createdAt: w.now,
        updatedAt: w.now,
      })
      .returning()) as [Document]
    rows.push(row)
    await w.event('model.document.created', { record: await eventRecord(w, user, row) })
  }
  await kycStep(w, deps.config, user, input.docType, identificator, rows)
  return rows
}

/** KYCAID's batches: a passport's front and a selfie, an ID card's or licence's two sides and a selfie. */
const KYCAID_BATCH: Record<string, number> = { Passport: 2, 'Identity card': 3, 'Driver license': 3 }

/**
 * The KYC step after an upload (docs/barong-behaviour-notes.md#s9-6). Local: the label goes `pending` and staff
 * review. KYCAID: a proof of address is sent at once; an identity document once its batch is complete (the files of
 * one request, or of several sharing an `identificator`); other document types wait, as in Barong.
 */
async function kycStep(w: Work, config: Config, user: User, docType: string, identificator: string, rows: Document[]) {
  const key = docType === ADDRESS ? 'address' : 'document'
  if (config.env.BARONG_KYC_PROVIDER !== 'kycaid') {
    await upsertLabel(w, config, user, { key, value: 'pending', scope: 'private' })
    return
  }
  if (docType === ADDRESS) {
    await upsertLabel(w, config, user, { key, value: 'pending', scope: 'private' })
    await enqueueKycJob(w, { kind: 'address', payload: { userId: user.id, documentId: rows[0]!.id } })
    return
  }
  const needed = KYCAID_BATCH[docType]
  if (needed === undefined) return
  const [batch] = await w.tx.select({ n: count() }).from(documents).where(and(eq(documents.userId, user.id), eq(documents.identificator, identificator)))
  if ((batch?.n ?? 0) !== needed) return
  await upsertLabel(w, config, user, { key, value: 'pending', scope: 'private' })
  await enqueueKycJob(w, { kind: 'document', payload: { userId: user.id, identificator } })
}

async function eventRecord(w: Work, user: User, d: Document) {
  return {
    user: await userEventRecordOf(w.tx, user),
    upload: encodeURIComponent(uploadUrl(d, 'staff')),
    doc_type: d.docType,
    doc_number: d.docNumber,
    doc_expire: d.docExpire,
    metadata: d.metadata,
    created_at: isoSeconds(d.createdAt),
    updated_at: isoSeconds(d.updatedAt),
  }
}
