import { mkdtempSync, existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freshDb, usingRealServers } from '../helpers/app.ts'
import { runNode, startServer } from '../helpers/spawn.ts'

describe('the service as npm start runs it', () => {
  it('embedded default: serves ping, generates a key, migrates, stops cleanly on SIGTERM', { timeout: 240_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'barong-main-'))
    const server = await startServer({ DATA_DIR: dataDir })
    try {
      const ready = await fetch(`${server.base}/readyz`)
      expect(ready.status).toBe(200)
      const jwks = await (await fetch(`${server.base}/.well-known/jwks.json`)).json()
      expect(jwks.keys[0].kid).toBeTruthy()
      expect(existsSync(join(dataDir, 'jwt-private.pem'))).toBe(true)
      expect(server.output()).toMatch(/in-process store/)
      expect(server.output()).toMatch(/generated one under DATA_DIR/)

      // Bodies on a real socket: an announced length is judged from its header, a chunked body by counting it.
      const validate = `${server.base}/api/v2/barong/public/password/validate`
      const post = (body: string | ReadableStream<Uint8Array>) =>
        fetch(validate, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, duplex: 'half' } as RequestInit)
      const chunked = (text: string) => new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < text.length; i += 8192) c.enqueue(new TextEncoder().encode(text.slice(i, i + 8192)))
          c.close()
        },
      })
      const big = JSON.stringify({ password: 'x'.repeat(70_000) })
      const small = JSON.stringify({ password: 'Tecohvi0' })
      for (const [body, status] of [[big, 413], [chunked(big), 413], [small, 201], [chunked(small), 201]] as const) {
        const res = await post(body)
        expect(res.status).toBe(status)
        expect(await res.json()).toEqual(status === 413 ? { errors: ['server.payload_too_large'] } : { entropy: 15.5 })
      }
    } finally {
      expect(await server.stop()).toBe(0)
    }
    // The generated key is kept: the next start uses the same kid.
    const again = await startServer({ DATA_DIR: dataDir })
    try {
      const jwks = await (await fetch(`${again.base}/.well-known/jwks.json`)).json()
      expect(again.output()).not.toMatch(/generated one/)
      expect(jwks.keys).toHaveLength(1)
      expect(readFileSync(join(dataDir, 'jwt-private.pem'), 'utf8')).toMatch(/PRIVATE KEY/)
    } finally {
      expect(await again.stop()).toBe(0)
    }
  })

  it.skipIf(!usingRealServers)('with DATABASE_URL and REDIS_URL: serves and is ready', { timeout: 120_000 }, async () => {
    const db = await freshDb()
    await db.handle.close()
    const server = await startServer({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'barong-main-')),
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL,
      REDIS_KEY_PREFIX: `test:server:${Date.now()}:`,
    })
    try {
      const ready = await (await fetch(`${server.base}/readyz`)).json()
      expect(ready).toEqual({ status: 'ready', checks: { database: 'ok', store: 'ok' } })
      expect(server.output()).toMatch(/"database":"postgres","store":"redis"/)
    } finally {
      expect(await server.stop()).toBe(0)
      await db.drop()
    }
  })

  it('bad configuration stops the start with one line naming the variable', async () => {
    const r = await runNode(['--import', 'tsx', 'src/main.ts'], { PORT: 'eighty' })
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe('invalid configuration: PORT must be a whole number')
  })

  it('an unreachable database stops the start with one line', async () => {
    const r = await runNode(['--import', 'tsx', 'src/main.ts'], {
      DATA_DIR: mkdtempSync(join(tmpdir(), 'barong-main-')),
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    })
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^failed to start: /)
  })
})
