import { randomUUID } from 'node:crypto'
import type { Deps } from '../deps.ts'
import type { Series } from './metrics.ts'

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
 * A label set's series is found once per (method, route, status), not hashed per request.
 */
export function createRequestRecorder(deps: Pick<Deps, 'logger' | 'metrics'>): (r: RequestRecord) => void {
  // route → status → method: no key string is built per request.
  const byRoute = new Map<string, Map<number, Map<string, Series>>>()
  return (r) => {
    let byStatus = byRoute.get(r.route)
    if (!byStatus) byRoute.set(r.route, (byStatus = new Map()))
    let byMethod = byStatus.get(r.status)
    if (!byMethod) byStatus.set(r.status, (byMethod = new Map()))
    let series = byMethod.get(r.method)
    if (!series) byMethod.set(r.method, (series = deps.metrics.series(r.method, r.route, r.status)))
    deps.metrics.observe(series, r.ms / 1000)
    if (deps.logger.isLevelEnabled('info')) {
      deps.logger.info(
        { requestId: r.requestId, method: r.method, path: r.path, route: r.route, status: r.status, ms: Math.round(r.ms * 10) / 10, uid: r.uid, ip: r.ip },
        'request',
      )
    }
  }
}
