import { is, sql } from 'drizzle-orm'
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core'
import * as schema from '../../src/storage/schema/index.ts'
import type { TestApp } from './app.ts'

const tables: PgTable[] = Object.values(schema as Record<string, unknown>).filter((v): v is PgTable => is(v, PgTable))

// The record of a refusal is what a refused request is expected to leave: the gateway's denial (an admin
// activity with result `denied`) and Barong's `failed` user activity (a wrong 2FA code, docs/barong-behaviour-notes.md §7.1); the relay's
// bookkeeping on outbox rows (attempts, sent_at) is not the request's.
const part = (table: PgTable) => {
  const name = getTableConfig(table).name
  const where = name === 'activities' ? sql`where ${sql.identifier('result')} not in ('denied', 'failed')` : sql``
  const row = name === 'event_outbox' ? sql`row(x.id, x.exchange, x.routing_key, x.payload)::text` : sql`x::text`
  return sql`(select count(*)::text || ':' || coalesce(md5(string_agg(${row}, '|' order by ${row})), '') from ${table} x ${where}) as ${sql.identifier(name)}`
}
const query = sql`select ${sql.join(tables.map(part), sql`, `)}`

/** A fingerprint of every table's content (rows and values, so updates count too), in one query. */
export async function dbFingerprint(t: TestApp): Promise<Record<string, string>> {
  // Work a request deferred past its answer belongs to that request: mailed-code work, and the audit rows
  // an AUDIT permission queues (an earlier request's row must not land between two fingerprints).
  await t.deps.deferred.settled()
  await t.deps.audit.flush()
  const result = (await t.deps.db.execute(query)) as unknown
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows
  return { ...(rows[0] as Record<string, string>) }
}
