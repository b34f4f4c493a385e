import { randomUUID } from 'node:crypto'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './env.ts'

// An inbound id is kept only when it is short and plain, so it cannot inject into logs.
const SAFE_ID = /^[A-Za-z0-9_.:-]{1,100}$/

export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const inbound = c.req.header('x-request-id')
  const id = inbound && SAFE_ID.test(inbound) ? inbound : randomUUID()
  c.set('requestId', id)
  c.header('X-Request-Id', id)
  await next()
})
