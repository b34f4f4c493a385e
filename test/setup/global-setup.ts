import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { openDb } from '../../src/storage/db.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string
    templateDb: string | null
  }
}

/**
 * With DATABASE_URL: one migrated template database per run; each test file clones it.
 * Without: files use an in-memory PGlite each. Every run has its own id (database names, Redis prefix).
 */
export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
  project.provide('runId', runId)
  const url = process.env.DATABASE_URL
  if (!url) {
    project.provide('templateDb', null)
    return
  }
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  const template = `barong_tpl_${runId}`
  await admin.unsafe(`CREATE DATABASE ${template}`)
  const u = new URL(url)
  u.pathname = `/${template}`
  const handle = await openDb({ url: u.toString(), dataDir: '/nonexistent' })
  await handle.migrate()
  await handle.close()
  project.provide('templateDb', template)

  return async () => {
    const dbs = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`barong_%_${runId}%`}`
    for (const { datname } of dbs) await admin.unsafe(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`)
    await admin.end()
  }
}
