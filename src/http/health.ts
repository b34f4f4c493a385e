import { Hono } from 'hono'
import type { Deps } from '../deps.ts'
import type { AppEnv } from './env.ts'
import { metricsReader } from '../cluster/metrics.ts'

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())])

export interface Readiness {
  draining: boolean
}

/** /healthz (process alive), /readyz (database and store reachable), /metrics (Prometheus). */
export function healthRoutes(deps: Pick<Deps, 'dbHandle' | 'store' | 'registry'>, readiness: Readiness) {
  const app = new Hono<AppEnv>()
  const readMetrics = metricsReader(deps.registry)
  app.get('/healthz', (c) => {
    c.set('route', '/healthz')
    return c.json({ status: 'ok' })
  })
  app.get('/readyz', async (c) => {
    c.set('route', '/readyz')
    const [db, store] = await Promise.allSettled([
      withTimeout(deps.dbHandle.ping(), 1000),
      withTimeout(deps.store.ping(), 1000),
    ])
    const checks = {
      database: db.status === 'fulfilled' ? 'ok' : 'unreachable',
      store: store.status === 'fulfilled' ? 'ok' : 'unreachable',
    }
    const ready = !readiness.draining && checks.database === 'ok' && checks.store === 'ok'
    if (!ready) return c.json({ errors: ['server.not_ready'], status: readiness.draining ? 'draining' : 'unavailable', checks }, 503)
    return c.json({ status: 'ready', checks })
  })
  app.get('/metrics', async (c) => {
    c.set('route', '/metrics')
    const text = await readMetrics()
    if (text === null) return c.json({ errors: ['server.metrics_unavailable'] }, 503)
    return c.body(text, 200, { 'Content-Type': deps.registry.contentType })
  })
  return app
}
