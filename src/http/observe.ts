import { createMiddleware } from 'hono/factory'
import type { Deps } from '../deps.ts'
import type { AppEnv } from './env.ts'
import { createRequestRecorder } from './request-log.ts'

/** One JSON log line and the metrics for every request; no bodies or secret headers are logged. */
export function observe(deps: Pick<Deps, 'logger' | 'metrics'>) {
  const record = createRequestRecorder(deps)
  return createMiddleware<AppEnv>(async (c, next) => {
    const start = performance.now()
    c.set('logger', deps.logger.child({ requestId: c.var.requestId }))
    c.set('route', 'unmatched')
    try {
      await next()
    } finally {
      record({
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        route: c.get('route'),
        status: c.res.status,
        ms: performance.now() - start,
        ip: c.get('clientIp'),
        uid: c.get('principal')?.uid,
      })
    }
  })
}
