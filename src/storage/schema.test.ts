import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { eq, sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator'
import postgres from 'postgres'
import { describe, expect, it } from 'vitest'
import * as schema from './schema/index.ts'
import { labels, levels, users } from './schema/index.ts'

// The generated migration must apply, and its constraints hold, on both backends we ship:
// embedded PGlite and a real PostgreSQL server (only when DATABASE_URL is set).

type Db = PgDatabase<PgQueryResultHKT, typeof schema>

const migrationsFolder = 'migrations'

const expectedTables = [
  'activities',
  'apikeys',
  'comments',
  'config_versions',
  'data_storages',
  'documents',
  'event_outbox',
  'kyc_jobs',
  'labels',
  'levels',
  'one_time_tokens',
  'permissions',
  'phones',
  'profiles',
  'restrictions',
  'users',
]

/** SQLSTATE of a failed query: drizzle wraps driver errors in DrizzleQueryError (`cause`). */
async function sqlState(query: PromiseLike<unknown>): Promise<string | undefined> {
  try {
    await query
  } catch (error) {
    let e: unknown = error
    while (e instanceof Error) {
      const code = (e as Error & { code?: unknown }).code
      if (typeof code === 'string') return code
      e = e.cause
    }
    throw error
  }
  return undefined
}

async function checkSchema(db: Db) {
  // postgres-js returns the rows array, PGlite a `{ rows }` result.
  const result: unknown = await db.execute(
    sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  )
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { table_name: string }[]
  const tables = rows.map((r) => r.table_name)
  expect(tables).toEqual(expectedTables)

  const uid = `ID${randomBytes(5).toString('hex').toUpperCase()}`
  const [user] = await db
    .insert(users)
    .values({ uid, email: `${uid.toLowerCase()}@example.com`, passwordDigest: '$argon2id$v=19$m=19456,t=2,p=1$x$y' })
    .returning()
  expect(user).toMatchObject({ uid, role: 'member', level: 0, otp: false, state: 'pending', referralId: null })
  expect(user!.createdAt).toBeInstanceOf(Date)
  const userId = user!.id
  expect(typeof userId).toBe('number')

  // Emails are stored lower-cased; the CHECK refuses anything else (23514 check_violation).
  expect(
    await sqlState(db.insert(users).values({ uid: `${uid}X`, email: 'Mixed@Example.com', passwordDigest: 'x' })),
  ).toBe('23514')

  const [label] = await db.insert(labels).values({ userId, key: 'email', value: 'verified', scope: 'private' }).returning()
  expect(label).toMatchObject({ userId, key: 'email', value: 'verified', scope: 'private', description: null })

  // Same key in another scope is allowed; the same (user_id, key, scope) is a unique violation.
  await db.insert(labels).values({ userId, key: 'email', value: 'verified' })
  expect(await sqlState(db.insert(labels).values({ userId, key: 'email', value: 'other', scope: 'private' }))).toBe(
    '23505',
  )

  // Level ids are explicit, not serial.
  await db.insert(levels).values({ id: 1, key: 'email', value: 'verified' })
  expect(await db.select().from(levels)).toMatchObject([{ id: 1, key: 'email', value: 'verified' }])

  // A referred user survives its referrer: referral_id goes NULL.
  const [referred] = await db
    .insert(users)
    .values({ uid: `${uid}R`, email: `${uid.toLowerCase()}r@example.com`, passwordDigest: 'x', referralId: userId })
    .returning()
  expect(referred!.referralId).toBe(userId)

  // Deleting the user deletes its labels.
  await db.delete(users).where(eq(users.id, userId))
  expect(await db.select().from(labels).where(eq(labels.userId, userId))).toEqual([])
  const [after] = await db.select().from(users).where(eq(users.id, referred!.id))
  expect(after!.referralId).toBeNull()
}

describe('storage schema migration', () => {
  it('applies on PGlite and enforces constraints', { timeout: 60_000 }, async () => {
    const client = new PGlite()
    try {
      const db = drizzlePglite(client, { schema })
      await migratePglite(db, { migrationsFolder })
      await checkSchema(db)
    } finally {
      await client.close()
    }
  })

  it.skipIf(!process.env.DATABASE_URL)(
    'applies on PostgreSQL (DATABASE_URL) and enforces constraints',
    { timeout: 60_000 },
    async () => {
      const serverUrl = process.env.DATABASE_URL!
      const dbName = `schema_test_${randomBytes(6).toString('hex')}`
      const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
      await admin.unsafe(`CREATE DATABASE "${dbName}"`)
      try {
        const url = new URL(serverUrl)
        url.pathname = `/${dbName}`
        const client = postgres(url.toString(), { max: 1, onnotice: () => {} })
        try {
          const db = drizzlePostgres(client, { schema })
          await migratePostgres(db, { migrationsFolder })
          await checkSchema(db)
        } finally {
          await client.end()
        }
      } finally {
        await admin.unsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`)
        await admin.end()
      }
    },
  )
})
