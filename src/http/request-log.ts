import { randomUUID } from 'node:crypto'
import type { Deps } from '../deps.ts'

// An inbound id is kept only when it is short and plain, so it cannot inject into logs.
const SAFE_ID = /^[A-Za-z0-9_.:-]{1,100}$/

/** The request's id: the caller's X-Request-Id when it is safe, else a fresh one. */
export const requestIdFrom = (inbound: string | undefined): string => (inbound && SAFE_ID.test(inbound) ? inbound : randomUUID())

export interface RequestRecord {
  requestId: string
  method: string
  path: string
  route: string
  status: number
  ms: number
  ip: string | undefined
  uid?: string | undefined
}

/**
 * One JSON log line and the metrics of a finished request, for the Hono app and the raw fast path alike.
 * Labelled metric children are looked up once per (method, route, status), not hashed per request.
 */
export function createRequestRecorder(deps: Pick<Deps, 'logger' | 'metrics'>): (r: RequestRecord) => void {
  const children = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>()
  return (r) => {
    const key = `${r.method} ${r.status} ${r.route}`
    let m = children.get(key)
    if (!m) {
      const labels = { method: r.method, route: r.route, status: String(r.status) }
      children.set(key, (m = { count: deps.metrics.requests.labels(labels), time: deps.metrics.duration.labels(labels) }))
    }
    m.count.inc()
    m.time.observe(r.ms / 1000)
    if (deps.logger.isLevelEnabled('info')) {
      deps.logger.info(
        { requestId: r.requestId, method: r.method, path: r.path, route: r.route, status: r.status, ms: Math.round(r.ms * 10) / 10, uid: r.uid, ip: r.ip },
        'request',
      )
    }
  }
}
