import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createHttpMetrics } from '../../src/http/metrics.ts'

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
const LABELS = ['method', 'route', 'status'] as const

/** The same observations through prom-client's own Counter and Histogram. */
function reference(observations: [string, string, number, number][]) {
  const registry = new Registry()
  const count = new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route and status', labelNames: LABELS, registers: [registry] })
  const time = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request latency by method, route and status', labelNames: LABELS, buckets: BUCKETS, registers: [registry] })
  for (const [method, route, status, s] of observations) {
    count.inc({ method, route, status: String(status) })
    time.observe({ method, route, status: String(status) }, s)
  }
  return registry
}

function ours(observations: [string, string, number, number][]) {
  const registry = new Registry()
  const m = createHttpMetrics(registry)
  for (const [method, route, status, s] of observations) m.observe(m.series(method, route, status), s)
  return registry
}

// Values on a bound, between bounds, below the first and above the last; three label sets.
const OBSERVATIONS: [string, string, number, number][] = [
  ['GET', '/api/v2/auth/*', 200, 0.0001],
  ['GET', '/api/v2/auth/*', 200, 0.0005],
  ['GET', '/api/v2/auth/*', 200, 0.003],
  ['GET', '/api/v2/auth/*', 401, 0.25],
  ['POST', '/api/v2/barong/identity/sessions', 200, 0.04],
  ['GET', '/api/v2/auth/*', 200, 7.5],
  ['POST', '/api/v2/barong/identity/sessions', 200, 1],
]

describe('http metrics', () => {
  it('expose exactly what prom-client would for the same requests', async () => {
    expect(await ours(OBSERVATIONS).metrics()).toBe(await reference(OBSERVATIONS).metrics())
  })

  it('give the cluster aggregator the same JSON, and add up across workers', async () => {
    const a = await ours(OBSERVATIONS).getMetricsAsJSON()
    const b = await reference(OBSERVATIONS).getMetricsAsJSON()
    expect(a).toEqual(b)
    const sum = AggregatorRegistry.aggregate([a, a])
    const text = await sum.metrics()
    expect(text).toContain('http_requests_total{method="GET",route="/api/v2/auth/*",status="200"} 8')
    expect(text).toContain('http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/v2/auth/*",status="200"} 8')
  })

  it('start again from zero when the registry is reset', async () => {
    const registry = ours(OBSERVATIONS)
    registry.resetMetrics()
    const text = await registry.metrics()
    expect(text).toContain('http_requests_total{method="GET",route="/api/v2/auth/*",status="200"} 0')
    expect(text).toContain('http_request_duration_seconds_sum{method="GET",route="/api/v2/auth/*",status="200"} 0')
    expect(text).not.toMatch(/_bucket\{[^}]*\} [1-9]/)
  })
})
