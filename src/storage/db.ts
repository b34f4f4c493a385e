import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'
import { namedStatements } from './named-statements.ts'
import * as schema from './schema/index.ts'

export type Schema = typeof schema
/** Drizzle's common Postgres database type: postgres-js and PGlite both fit. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>

export interface DbHandle {
  db: Database
  kind: 'postgres' | 'pglite'
  ping(): Promise<void>
  migrate(): Promise<void>
  close(): Promise<void>
}

/** The one migration set, found from this file so `npx barong` works from any directory. */
export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url))

// Any fixed number: serialises concurrent migrations of several instances.
const MIGRATION_LOCK = 7_234_011

export interface OpenDbOptions {
  url?: string | undefined
  dataDir: string
  poolSize?: number
  /** false behind PgBouncer in transaction mode (no named prepared statements). */
  prepare?: boolean
  /** Where migrations run (and take their session-level advisory lock): PostgreSQL itself when `url` is a pooler. */
  migrationUrl?: string | undefined
  /** PGlite in memory (tests), ignoring dataDir. */
  memory?: boolean
}

export async function openDb(opts: OpenDbOptions): Promise<DbHandle> {
  return opts.url ? openPostgres(opts.url, opts) : openPglite(opts)
}

async function openPostgres(url: string, opts: OpenDbOptions): Promise<DbHandle> {
  const { default: postgres } = await import('postgres')
  const { drizzle } = await import('drizzle-orm/postgres-js')
  const { migrate } = await import('drizzle-orm/postgres-js/migrator')
  const client = postgres(url, {
    max: opts.poolSize ?? 10,
    prepare: opts.prepare ?? true,
    connect_timeout: 2,
    // A query given to a closed connection waits this long before it reconnects. The driver's default grows to
    // 20 s after a few failed attempts (shared by the pool), so after a PostgreSQL restart requests waited
    // up to 20 s for a database that was back. Capped at 1 s, they fail fast while it is down, and recover
    // within a second of its return (`npm run faults`).
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    idle_timeout: 20,
    max_lifetime: 1800,
    onnotice: () => {},
    connection: { application_name: 'barong-gateway', statement_timeout: 10_000 },
  })
  const db = drizzle(namedStatements(client), { schema }) as unknown as Database
  return {
    db,
    kind: 'postgres',
    async ping() {
      await client`select 1`
    },
    async migrate() {
      const single = postgres(opts.migrationUrl ?? url, { max: 1, onnotice: () => {}, connect_timeout: 5, prepare: opts.prepare ?? true })
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK})`
        await migrate(drizzle(single), { migrationsFolder })
        await single`select pg_advisory_unlock(${MIGRATION_LOCK})`
      } finally {
        await single.end({ timeout: 5 })
      }
    },
    async close() {
      await client.end({ timeout: 5 })
    },
  }
}

async function openPglite(opts: OpenDbOptions): Promise<DbHandle> {
  const { PGlite } = await import('@electric-sql/pglite')
  const { drizzle } = await import('drizzle-orm/pglite')
  const { migrate } = await import('drizzle-orm/pglite/migrator')
  let client: InstanceType<typeof PGlite>
  if (opts.memory) client = new PGlite()
  else {
    const dir = `${opts.dataDir}/pg`
    mkdirSync(dir, { recursive: true })
    client = new PGlite(dir)
  }
  await client.waitReady
  const db = drizzle(client, { schema }) as unknown as Database
  return {
    db,
    kind: 'pglite',
    async ping() {
      await db.execute(sql`select 1`)
    },
    async migrate() {
      await migrate(drizzle(client), { migrationsFolder })
    },
    async close() {
      await client.close()
    },
  }
}
