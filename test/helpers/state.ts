import { is, sql } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import * as schema from '../../src/storage/schema/index.ts'
import type { TestApp } from './app.ts'

const tables: [string, PgTable][] = Object.entries(schema as Record<string, unknown>).flatMap(([n, v]) => (is(v, PgTable) ? [[n, v] as [string, PgTable]] : []))

/**
 * A fingerprint of every table's content (rows and values, so updates count too). The gateway's own
 * record of a denial (an admin activity with result `denied`) is what a refused request is expected to
 * leave, and is left out.
 */
export async function dbFingerprint(t: TestApp): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const [name, table] of tables) {
    const where = name === 'activities' ? sql`where ${schema.activities.result} <> 'denied'` : sql``
    const rows = (await t.deps.db.execute(sql`select count(*)::text || ':' || coalesce(md5(string_agg(${table}::text, '|' order by ${table}::text)), '') as h from ${table} ${where}`)) as unknown
    const list = Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows
    out[name] = (list[0] as { h: string }).h
  }
  return out
}
