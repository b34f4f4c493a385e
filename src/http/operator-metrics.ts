import { and, count, isNull, lte, min } from 'drizzle-orm'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Clock } from '../clock.ts'
import type { Database } from '../storage/db.ts'
import { eventOutbox, kycJobs } from '../storage/schema/index.ts'

export interface OperatorMetricsSources {
  db: Database
  clock: Clock
  audit: { readonly depth: number; readonly dropped: number }
  sessions: { replicaStats(): { entries: number; leaseHeld: boolean } }
}

export interface OperatorMetrics {
  /** Counts one gateway decision: `allow`, `pass` or `deny`, with the denial's key as reason (`ok` otherwise). */
  decided(result: string, reason: string): void
}

/**
 * What an operator watches besides request rates (deploy/prometheus/alerts.yml): gateway decisions by result and
 * reason, the outbox's backlog and its oldest unsent event, KYC calls due, the audit queue, the session replica and
 * its lease, and whether the database answered the last scrape. Values read at scrape time, off the request path.
 */
export function createOperatorMetrics(registry: Registry, src: OperatorMetricsSources): OperatorMetrics {
  const decisions = new Counter({ name: 'barong_authz_decisions_total', help: 'Gateway decisions by result (allow, pass, deny) and reason (the denial key, or ok)', labelNames: ['result', 'reason'], registers: [registry] })
  // One child per (result, reason): labels() hashes its arguments on every call, the hot path should not.
  const children = new Map<string, ReturnType<typeof decisions.labels>>()
  // `aggregator`: how the primary combines workers' values (BARONG_WORKERS > 1); the default sums them, which
  // fits counts of this process's own things but not a database reading every worker makes, nor a 0/1 state.
  type Aggregator = 'sum' | 'max' | 'min'
  const gauge = (name: string, help: string, collect: (g: Gauge) => void | Promise<void>, aggregator: Aggregator = 'sum') =>
    new Gauge({
      name,
      help,
      aggregator,
      registers: [registry],
      async collect() {
        await collect(this)
      },
    })

  let databaseUp = 1
  const fromDb = async (g: Gauge, read: () => Promise<number>) => {
    try {
      g.set(await read())
      databaseUp = 1
    } catch {
      databaseUp = 0
    }
  }
  gauge('barong_outbox_unsent_events', 'Events written but not yet published', (g) =>
    fromDb(g, async () => (await src.db.select({ n: count() }).from(eventOutbox).where(isNull(eventOutbox.sentAt)))[0]?.n ?? 0),
    'max',
  )
  gauge('barong_outbox_oldest_unsent_seconds', 'Age of the oldest unpublished event (0 when none)', (g) =>
    fromDb(g, async () => {
      const [row] = await src.db.select({ oldest: min(eventOutbox.createdAt) }).from(eventOutbox).where(isNull(eventOutbox.sentAt))
      return row?.oldest ? Math.max(0, (src.clock.now() - new Date(row.oldest).getTime()) / 1000) : 0
    }),
    'max',
  )
  gauge('barong_kyc_jobs_due', 'KYC provider calls due and not yet done', (g) =>
    fromDb(g, async () => (await src.db.select({ n: count() }).from(kycJobs).where(and(isNull(kycJobs.doneAt), lte(kycJobs.runAt, new Date(src.clock.now())))))[0]?.n ?? 0),
    'max',
  )
  gauge('barong_database_up', '1 when the database answered the queries of the latest scrape, else 0', (g) => g.set(databaseUp), 'min')
  gauge('barong_audit_queue_depth', 'Audit rows waiting to be written', (g) => g.set(src.audit.depth))
  gauge('barong_audit_dropped_rows', 'Audit rows dropped because the queue was full (since start)', (g) => g.set(src.audit.dropped))
  gauge('barong_session_replica_entries', 'Sessions held in this instance’s replica', (g) => g.set(src.sessions.replicaStats().entries))
  gauge('barong_session_replica_lease_held', '1 while the replica’s lease lets this instance decide from memory', (g) => g.set(src.sessions.replicaStats().leaseHeld ? 1 : 0), 'min')

  return {
    decided(result, reason) {
      const key = `${result}\u0000${reason}`
      let child = children.get(key)
      if (!child) children.set(key, (child = decisions.labels(result, reason)))
      child.inc()
    },
  }
}
