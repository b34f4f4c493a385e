import { Counter, Histogram, type Registry } from 'prom-client'

type Label = 'method' | 'route' | 'status'
type Labels = Record<Label, string>

const DURATION = 'http_request_duration_seconds'
const DURATION_HELP = 'HTTP request latency by method, route and status'
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** One (method, route, status): plain numbers, written on every request. */
export interface Series {
  labels: Labels
  count: number
  sum: number
  /** Observations per bucket, not cumulative; the last slot is above the largest bound. */
  buckets: Float64Array
}

/**
 * A request's count and duration for `/metrics`. prom-client validates and hashes the labels and converts each
 * bound to a property name on every observation (about 1.5 µs per request on the gateway's hot path, measured
 * with `BENCH_PROFILE=1`); here a request adds to numbers of a series found once per label set, and the numbers
 * reach prom-client's exposition only when it is scraped.
 */
export interface HttpMetrics {
  /** The series of one label set; keep it, and pass it to `observe` with each request. */
  series(method: string, route: string, status: number): Series
  observe(series: Series, seconds: number): void
}

/** http_requests_total and http_request_duration_seconds, served from the same series. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const all = new Map<string, Series>()
  new RequestCounter(all, registry)
  new RequestDuration(all, registry)
  return {
    series(method, route, status) {
      const key = `${method} ${status} ${route}`
      let s = all.get(key)
      if (!s) all.set(key, (s = { labels: { method, route, status: String(status) }, count: 0, sum: 0, buckets: new Float64Array(BUCKETS.length + 1) }))
      return s
    },
    observe(s, seconds) {
      s.count++
      s.sum += seconds
      let i = 0
      while (i < BUCKETS.length && seconds > BUCKETS[i]!) i++
      s.buckets[i]!++
    },
  }
}

/** prom-client's counter, answering from the series (its `get` is what registries and the cluster aggregator read). */
class RequestCounter extends Counter<Label> {
  constructor(
    private readonly all: Map<string, Series>,
    registry: Registry,
  ) {
    super({ name: 'http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [registry] })
  }

  override async get() {
    const base = await super.get() // name, help, type, aggregator; no values of its own
    return { ...base, values: [...this.all.values()].map((s) => ({ labels: { ...s.labels }, value: s.count })) }
  }

  // prom-client's constructor calls reset before `all` is set.
  override reset() {
    super.reset()
    for (const s of this.all?.values() ?? []) s.count = 0
  }
}

/**
 * prom-client's histogram, answering from the series in the shape its own export has: registries read
 * `getForPromString` (labels of the series as `sharedLabels`), and its `get` spreads them into each value.
 */
class RequestDuration extends Histogram<Label> {
  constructor(
    private readonly all: Map<string, Series>,
    registry: Registry,
  ) {
    super({ name: DURATION, help: DURATION_HELP, labelNames: ['method', 'route', 'status'], buckets: BUCKETS, registers: [registry] })
  }

  async getForPromString() {
    const bucket = `${DURATION}_bucket`
    const values: { labels: Record<string, string | number>; sharedLabels: Labels; value: number; metricName: string; exemplar?: null }[] = []
    for (const s of this.all.values()) {
      let acc = 0
      BUCKETS.forEach((le, i) => {
        acc += s.buckets[i]!
        values.push({ labels: { le }, sharedLabels: { ...s.labels }, value: acc, metricName: bucket, exemplar: null })
      })
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: { ...s.labels }, value: s.count, metricName: bucket, exemplar: null },
        { labels: {}, sharedLabels: { ...s.labels }, value: s.sum, metricName: `${DURATION}_sum` },
        { labels: {}, sharedLabels: { ...s.labels }, value: s.count, metricName: `${DURATION}_count` },
      )
    }
    return { name: DURATION, help: DURATION_HELP, type: 'histogram', values, aggregator: 'sum' }
  }

  override reset() {
    super.reset()
    for (const s of this.all?.values() ?? []) {
      s.sum = 0
      s.buckets.fill(0)
    }
  }
}
