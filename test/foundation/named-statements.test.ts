import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type DbHandle } from '../../src/storage/db.ts'
import { activities, users } from '../../src/storage/schema/index.ts'
import { freshDb, usingRealServers } from '../helpers/app.ts'

// One connection each, so that pg_prepared_statements (per connection) shows what drizzle's statements became.
describe.skipIf(!usingRealServers)('statements drizzle sends to PostgreSQL', () => {
  let fresh: Awaited<ReturnType<typeof freshDb>>
  const handles: DbHandle[] = []
  beforeAll(async () => {
    fresh = await freshDb()
    await fresh.handle.close()
  })
  afterAll(async () => {
    for (const h of handles) await h.close()
    await fresh.drop()
  })

  const named = async (prepare: boolean) => {
    const h = await openDb({ url: fresh.url!, dataDir: '/nonexistent', poolSize: 1, prepare })
    handles.push(h)
    for (let i = 0; i < 2; i++) await h.db.select().from(users).where(eq(users.email, `x${i}@example.com`)).limit(1)
    await h.db.transaction(async (tx) => {
      const [u] = await tx.insert(users).values({ uid: `ID${prepare ? 1 : 2}000000000`, email: `n${prepare}@example.com`, passwordDigest: 'x' }).returning()
      await tx.insert(activities).values({ userId: u!.id, category: 'user', userIp: '10.0.0.1', userAgent: 'test', topic: 'session', action: 'login', result: 'succeed' })
    })
    const rows = (await h.db.execute(sql`select statement from pg_prepared_statements`)) as unknown as { statement: string }[]
    return rows.map((r) => r.statement)
  }

  it('are named (one round trip once known), in and out of transactions', async () => {
    const statements = await named(true)
    expect(statements.filter((s) => s.includes('where "users"."email" = $1'))).toHaveLength(1)
    expect(statements.some((s) => s.startsWith('insert into "activities"'))).toBe(true)
  })

  it('are unnamed with DATABASE_PREPARE=false (PgBouncer in transaction mode)', async () => {
    expect(await named(false)).toEqual([])
  })
})
