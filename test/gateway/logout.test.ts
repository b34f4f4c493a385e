import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runNode } from '../helpers/spawn.ts'
import type { TestApp } from '../helpers/app.ts'
import { ID, register, seededApp } from '../helpers/http.ts'
import { AUTH } from '../helpers/gateway.ts'

// The exchange front end (baseapp) logs out with `DELETE /identity/sessions` and no X-CSRF-Token. Without a
// token, a logout is accepted only from no Origin, the service's own, or one listed in BARONG_API_CORS_ORIGINS.
const FRONT = 'https://exchange.example'
let t: TestApp
beforeAll(async () => {
  t = await seededApp({ BARONG_API_CORS_ORIGINS: `${FRONT}, https://admin.example`, BARONG_API_CORS_ALLOW_CREDENTIALS: 'true' })
})
afterAll(async () => t?.close())

const ME = `${AUTH}/api/v2/barong/resource/users/me`

async function signedIn() {
  const { client } = await register(t)
  client.csrf = undefined // the front end does not send it on logout
  return client
}

/** Stands for the origin the test server is reached at. */
const OWN = 'own-origin'

describe('logout without X-CSRF-Token', () => {
  it.each([
    ['the front end, listed in BARONG_API_CORS_ORIGINS', { Origin: FRONT }],
    ['no Origin at all', {}],
    ["the service's own origin", { Origin: OWN }],
  ])('is accepted from %s, and the session ends', async (_, headers: Record<string, string>) => {
    const client = await signedIn()
    const cookie = client.cookie
    const res = await client.delete(`${ID}/sessions`, undefined, headers.Origin === OWN ? { Origin: await t.origin() } : headers)
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).toMatch(/_barong_session=; Max-Age=0/)
    client.cookie = cookie
    expect((await client.get(ME)).status).toBe(401)
  })

  it.each([
    ['a foreign origin', { Origin: 'https://evil.example' }],
    ['an opaque origin', { Origin: 'null' }],
    ['a listed origin on another port', { Origin: `${FRONT}:8443` }],
    ['no Origin but marked cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
  ])('is refused from %s, and the session is kept', async (_, headers: Record<string, string>) => {
    const client = await signedIn()
    const res = await client.delete(`${ID}/sessions`, undefined, headers)
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ errors: ['authz.missing_csrf_token'] })
    expect(res.headers.get('set-cookie')).toBeNull()
    expect((await client.get(ME)).status).toBe(200)
  })

  it('a wrong token is refused even from the front end', async () => {
    const client = await signedIn()
    const res = await client.delete(`${ID}/sessions`, undefined, { Origin: FRONT, 'X-CSRF-Token': 'f'.repeat(64) })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ errors: ['authz.csrf_token_mismatch'] })
    expect((await client.get(ME)).status).toBe(200)
  })

  it('`*` in BARONG_API_CORS_ORIGINS names no origin', async () => {
    const open = await seededApp()
    try {
      const { client } = await register(open)
      client.csrf = undefined
      const res = await client.delete(`${ID}/sessions`, undefined, { Origin: FRONT })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ errors: ['authz.missing_csrf_token'] })
    } finally {
      await open.close()
    }
  })
})

describe('CORS configuration', () => {
  it('credentials with origins `*` are refused at start, with a clear message', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'barong-cors-'))
    try {
      const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', BARONG_API_CORS_ORIGINS: '*', BARONG_API_CORS_ALLOW_CREDENTIALS: 'true' }
      const run = await runNode(['--import', 'tsx', 'src/main.ts'], env, 20_000)
      expect(run.code).toBe(1)
      expect(run.stderr.trim()).toBe('invalid configuration: BARONG_API_CORS_ALLOW_CREDENTIALS=true needs BARONG_API_CORS_ORIGINS to list the allowed origins, not *')
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('an opaque `null` origin is never reflected', async () => {
    const res = await t.request('/api/v2/barong/public/ping', { headers: { Origin: 'null' } })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    const listed = await t.request('/api/v2/barong/public/ping', { headers: { Origin: FRONT } })
    expect(listed.headers.get('access-control-allow-origin')).toBe(FRONT)
  })
})
