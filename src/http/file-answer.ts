import type { Context } from 'hono'
import type { FileStore } from '../uploads/file-store.ts'
import { mediaTypeOf } from '../uploads/file-type.ts'
import { errors } from './errors.ts'

/**
 * A stored KYC file as an answer: its content type from what it was checked to be, shown inline but never sniffed,
 * framed or cached along the way. A file gone from the store is a 404, like an unknown document.
 */
export async function fileAnswer(c: Context, files: Pick<FileStore, 'read'>, storedName: string): Promise<Response> {
  const bytes = await files.read(storedName)
  if (!bytes) throw errors.notFound()
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': mediaTypeOf(storedName),
    'Content-Disposition': 'inline',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; img-src 'self'; frame-ancestors 'none'",
    'Cache-Control': 'private, no-store',
  })
}
