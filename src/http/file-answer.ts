import type { Context } from 'hono'
import { mediaTypeOf } from '../uploads/file-type.ts'

/**
 * A stored KYC file as an answer: its content type from what it was checked to be, shown inline but never sniffed,
 * framed or cached along the way.
 */
export function fileAnswer(c: Context, storedName: string, bytes: Uint8Array): Response {
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    'Content-Type': mediaTypeOf(storedName),
    'Content-Disposition': 'inline',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; img-src 'self'; frame-ancestors 'none'",
    'Cache-Control': 'private, no-store',
  })
}
