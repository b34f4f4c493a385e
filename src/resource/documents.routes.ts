import { z } from 'zod'
import { commit } from '../accounts/commit.ts'
import { ADDRESS, createDocuments, DocumentRefused, findDocument, uploadUrl, userDocuments, type DocumentInput } from '../accounts/documents.ts'
import { fileAnswer } from '../http/file-answer.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { AppError, errors } from '../http/errors.ts'
import type { User } from '../storage/schema/index.ts'

export type DocumentDeps = Pick<Deps, 'config' | 'db' | 'files' | 'store' | 'clock' | 'relay' | 'logger' | 'authzCache'>

const MODEL_ERRORS = ['upload.carrierwave_integrity_error', 'doc_type.blank', 'doc_type.inclusion', 'doc_expire.blank', 'metadata.invalid_format', 'doc_number.too_long', 'doc_number.invalid', 'doc_expire.invalid']
const DATE = /^\d{4}-\d{2}-\d{2}$/

const documentSchema = z.object({ upload: z.object({ url: z.string() }), doc_type: z.string().nullable(), doc_number: z.string().nullable(), doc_expire: z.string().nullable() })

/** The user's KYC documents and proofs of address (docs/barong-behaviour-notes.md#s4-3-4, #s4-3-5). */
export function registerDocumentRoutes(api: Api, deps: DocumentDeps) {
  const env = deps.config.env
  // A request carries a batch (a passport's two sides and a selfie): three files at the per-file maximum.
  const bodyLimit = env.BARONG_UPLOAD_SIZE_MAX_RANGE * 1024 * 1024 * 3 + 64 * 1024

  /** Stores the batch in one transaction; files written for a batch that does not commit are removed. */
  const store = async (user: User, input: DocumentInput, files: File[], limit: boolean) => {
    const uploads = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })))
    const stored: string[] = []
    try {
      await commit(deps, (w) => createDocuments(w, deps, user, input, uploads, stored, { limit }))
    } catch (err) {
      await Promise.all(stored.map((name) => deps.files.remove(name)))
      if (err instanceof DocumentRefused) throw new AppError(err.keys, err.status)
      throw err
    }
  }

  api.add({
    method: 'get',
    path: '/resource/documents',
    tag: 'resource',
    prefix: 'resource.document',
    summary: 'The user’s documents',
    auth: 'user',
    response: z.array(documentSchema),
    handler: async (c, _p, { user }) =>
      c.json((await userDocuments(deps.db, user.id)).map((d) => ({ upload: { url: uploadUrl(d, 'owner') }, doc_type: d.docType, doc_number: d.docNumber, doc_expire: d.docExpire }))),
  })

  api.add({
    method: 'get',
    path: '/resource/documents/:id/upload',
    tag: 'resource',
    prefix: 'resource.document',
    summary: 'The file of one of the user’s documents',
    auth: 'user',
    params: { id: { type: 'integer', required: true, min: 1 } },
    errors: { 404: ['record.not_found'] },
    handler: async (c, p, { user }) => {
      const doc = await findDocument(deps.db, p.id, user.id)
      if (!doc?.upload) throw errors.notFound()
      return fileAnswer(c, deps.files, doc.upload)
    },
  })

  api.add({
    method: 'post',
    path: '/resource/documents',
    tag: 'resource',
    prefix: 'resource.document',
    summary: 'Upload a document: one or more files (`upload[]`) of one identity document',
    auth: 'user',
    bodyLimit,
    params: {
      doc_type: { type: 'string', required: true, allowBlank: false, description: 'One of barong.yml document_types' },
      doc_number: { type: 'string', required: true, allowBlank: false },
      upload: { type: 'files', required: true, description: 'The files (PNG, JPEG or PDF by content)' },
      doc_expire: { type: 'date', invalid: 'resource.documents.expire_not_a_date', description: 'YYYY-MM-DD' },
      doc_category: { type: 'string', values: ['front_side', 'back_side', 'selfie'], valueError: 'resource.documents.doc_category' },
      identificator: { type: 'string', description: 'Groups the files supplied together (default: a new one)' },
      metadata: { type: 'string', description: 'JSON string' },
    },
    response: z.literal(201),
    errors: {
      400: ['resource.documents.limit_reached', 'resource.documents.limit_will_be_reached'],
      422: ['resource.documents.invalid_format', 'resource.documents.already_expired', ...MODEL_ERRORS],
    },
    handler: async (c, p, { user }) => {
      if (env.BARONG_REQUIRED_DOCS_EXPIRE) {
        if (!p.doc_expire || !DATE.test(p.doc_expire)) throw new AppError('resource.documents.invalid_format', 422)
        if (p.doc_expire < new Date(deps.clock.now()).toISOString().slice(0, 10)) throw new AppError('resource.documents.already_expired', 422)
      }
      const input = { docType: p.doc_type, docNumber: p.doc_number, docExpire: p.doc_expire ?? null, docCategory: p.doc_category ?? null, identificator: p.identificator ?? null, metadata: p.metadata ?? null }
      await store(user, input, p.upload, true)
      return c.json(201, 201)
    },
  })

  api.add({
    method: 'post',
    path: '/resource/addresses',
    tag: 'resource',
    prefix: 'resource.address',
    summary: 'Upload a proof of address: one or more files (`upload[]`); label address:pending',
    auth: 'user',
    bodyLimit,
    params: {
      country: { type: 'string', required: true, allowBlank: false },
      address: { type: 'string', required: true, allowBlank: false },
      upload: { type: 'files', required: true, description: 'The files (PNG, JPEG or PDF by content)' },
      city: { type: 'string', required: true },
      postcode: { type: 'string', required: true },
    },
    response: z.literal(201),
    errors: { 400: ['resource.documents.limit_reached', 'resource.documents.limit_will_be_reached'], 422: MODEL_ERRORS },
    handler: async (c, p, { user }) => {
      // Barong handed the claimed address to its KYC provider only; here it stays with the proof for the reviewer.
      const metadata = JSON.stringify({ country: p.country, city: p.city, postcode: p.postcode, address: p.address })
      await store(user, { docType: ADDRESS, docNumber: null, docExpire: null, docCategory: null, identificator: null, metadata }, p.upload, true)
      return c.json(201, 201)
    },
  })
}
