import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { StoreUnavailableError } from '../cache/store.ts'
import { HashBusyError } from '../crypto/password.ts'
import type { AppEnv } from './env.ts'
import { errorBody } from './error-body.ts'
import { AppError, errors } from './errors.ts'
import { errorCodes } from '../util/errors.ts'

const DB_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '57014', // statement timeout
])

const isDbUnavailable = (err: unknown): boolean => errorCodes(err).some((code) => DB_DOWN_CODES.has(code))

/** Maps any error to `{"errors":[key]}`; never a stack trace. */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err
  if (err instanceof StoreUnavailableError) return errors.storeUnavailable()
  if (err instanceof HashBusyError) return new AppError('server.busy', 503, { 'Retry-After': '1' })
  if (isDbUnavailable(err)) return errors.dbUnavailable()
  if (err instanceof HTTPException && err.status === 413) return errors.payloadTooLarge()
  return null
}

export function onError(err: Error, c: Context<AppEnv>): Response {
  const known = toAppError(err)
  if (known) {
    if (known.status >= 500) c.var.logger?.warn({ err: err.message }, 'dependency unavailable')
    for (const [k, v] of Object.entries(known.headers)) c.header(k, v)
    return errorAnswer(c, known.status, known.keys)
  }
  if (err instanceof HTTPException && err.status < 500) {
    return errorAnswer(c, err.status, 'server.bad_request')
  }
  ;(c.var.logger ?? console).error({ err: { message: err.message, stack: err.stack } }, 'unhandled error')
  return errorAnswer(c, 500, 'server.internal_error')
}

export function notFound(c: Context<AppEnv>): Response {
  return errorAnswer(c, 404, 'record.not_found')
}

function errorAnswer(c: Context<AppEnv>, status: ContentfulStatusCode, keys: string | readonly string[]): Response {
  return c.body(errorBody(keys), status, JSON_TYPE)
}

const JSON_TYPE = { 'Content-Type': 'application/json' }
