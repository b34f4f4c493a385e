import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** An error the caller branches on: Barong's status and error key(s). */
export class AppError extends Error {
  readonly keys: string[]
  constructor(
    keys: string | string[],
    readonly status: ContentfulStatusCode = 422,
    readonly headers: Record<string, string> = {},
  ) {
    const list = Array.isArray(keys) ? keys : [keys]
    super(list.join(', '))
    this.name = 'AppError'
    this.keys = list
  }
}

// Common errors, declared once.
export const errors = {
  notFound: () => new AppError('record.not_found', 404),
  storeUnavailable: () => new AppError('server.store_unavailable', 503, { 'Retry-After': '1' }),
  dbUnavailable: () => new AppError('server.database_unavailable', 503, { 'Retry-After': '1' }),
  payloadTooLarge: () => new AppError('server.payload_too_large', 413),
  internal: () => new AppError('server.internal_error', 500),
}
