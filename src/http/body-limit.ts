import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { errors } from './errors.ts'

/**
 * Refuses a body larger than `maxSize` (413 `server.payload_too_large`). An announced length is checked from the
 * header alone; any other body is read (and counted) here. Hono's own middleware asks the request for its body
 * stream first, which on Node builds a full fetch Request and makes every later read go through web streams
 * (`BENCH_PROFILE=1 npm run bench -- login`: 6 % of a sign-in's main-thread time); left alone, the body is read in
 * one piece.
 */
export function limitBody(maxSize: number): MiddlewareHandler {
  const chunked = bodyLimit({
    maxSize,
    onError: () => {
      throw errors.payloadTooLarge()
    },
  })
  return (c, next) => {
    const announced = c.req.header('content-length')
    if (announced !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number(announced) > maxSize) throw errors.payloadTooLarge()
      return next()
    }
    if (announced === undefined && (c.req.method === 'GET' || c.req.method === 'HEAD')) return next()
    return chunked(c, next)
  }
}
