import { describe, expect, it } from 'vitest'
import { createTestApp, usingRealServers } from '../helpers/app.ts'

describe('/readyz follows its dependencies', () => {
  it('503 when the database is unreachable', async () => {
    const t = await createTestApp()
    try {
      await t.deps.dbHandle.close()
      const res = await t.app.request('/readyz')
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ errors: ['server.not_ready'], checks: { database: 'unreachable', store: 'ok' } })
      // Liveness is not readiness.
      expect((await t.app.request('/healthz')).status).toBe(200)
    } finally {
      await t.close().catch(() => {})
    }
  })

  it.skipIf(!usingRealServers)('503 when the store is unreachable', async () => {
    const t = await createTestApp()
    try {
      await t.deps.store.close()
      const res = await t.app.request('/readyz')
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ checks: { database: 'ok', store: 'unreachable' } })
    } finally {
      await t.close().catch(() => {})
    }
  })

  it('503 while draining for shutdown', async () => {
    const t = await createTestApp()
    try {
      t.readiness.draining = true
      const res = await t.app.request('/readyz')
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ status: 'draining' })
    } finally {
      await t.close()
    }
  })
})
