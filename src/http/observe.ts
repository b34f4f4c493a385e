import { createMiddleware } from 'hono/factory'
import type { Deps } from '../deps.ts'
import type { AppEnv } from './env.ts'

/** One JSON log line and the metrics for every request; no bodies or secret headers are logged. */
export function observe(deps: Pick<Deps, 'logger' | 'metrics'>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const start = performance.now()
    const logger = deps.logger.child({ requestId: c.var.requestId })
    c.set('logger', logger)
    c.set('route', 'unmatched')
    try {
      await next()
    } finally {
      const ms = performance.now() - start
      const status = c.res.status
      const route = c.var.route
      const labels = { method: c.req.method, route, status: String(status) }
      deps.metrics.requests.inc(labels)
      deps.metrics.duration.observe(labels, ms / 1000)
      logger.info(
        { method: c.req.method, path: c.req.path, route, status, ms: Math.round(ms * 10) / 10, uid: c.var.principal?.uid, ip: c.var.clientIp },
        'request',
      )
    }
  })
}
