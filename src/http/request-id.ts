import { createMiddleware } from 'hono/factory'
import type { AppEnv } from './env.ts'
import { requestIdFrom } from './request-log.ts'

export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const id = requestIdFrom(c.req.header('x-request-id'))
  c.set('requestId', id)
  c.header('X-Request-Id', id)
  await next()
})
