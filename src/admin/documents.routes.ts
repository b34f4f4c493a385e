import { findDocument } from '../accounts/documents.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { errors } from '../http/errors.ts'
import { fileAnswer } from '../http/file-answer.ts'

/** A document's file for its review (the `upload.url` of UserWithKYC), to staff who may read documents. */
export function registerAdminDocumentRoutes(api: Api, deps: Pick<Deps, 'db' | 'files'>) {
  api.add({
    method: 'get',
    path: '/admin/documents/:id/upload',
    tag: 'admin',
    prefix: 'admin.document',
    summary: 'The file of a user’s document',
    auth: { ability: { action: 'read', subject: 'Document' } },
    params: { id: { type: 'integer', required: true, min: 1 } },
    errors: { 404: ['record.not_found'] },
    handler: async (c, p) => {
      const doc = await findDocument(deps.db, p.id)
      if (!doc?.upload) throw errors.notFound()
      return fileAnswer(c, deps.files, doc.upload)
    },
  })
}
