import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freshDb, usingRealServers } from '../helpers/app.ts'
import { runCli } from '../helpers/spawn.ts'

// The CLI against this run's backend: a fresh Postgres database, or an embedded PGlite in a temp DATA_DIR.
let env: Record<string, string | undefined>
let drop: () => Promise<void> = async () => {}
beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'barong-cli-'))
  env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' }
  if (usingRealServers) {
    const db = await freshDb()
    await db.handle.close()
    env.DATABASE_URL = db.url
    drop = db.drop
  }
})
afterAll(async () => {
  await drop()
})

describe('barong CLI', () => {
  it('migrate applies the migrations and exits 0', async () => {
    const r = await runCli(['migrate'], env)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('migrations applied\n')
  })

  it('seed loads the defaults and the admin; a second run changes nothing', async () => {
    const withAdmin = { ...env, BARONG_ADMIN_EMAIL: 'Root@Example.com', BARONG_ADMIN_PASSWORD: 'Xwqe213PZCXwe' }
    const first = await runCli(['seed'], withAdmin)
    expect(first.code).toBe(0)
    const report = JSON.parse(first.stdout)
    expect(report).toMatchObject({ levels: 3, permissions: 91, restrictions: 6 })
    expect(report.users).toHaveLength(1)
    expect(report.users[0]).toMatch(/^ID[0-9A-F]{10}$/)
    const second = await runCli(['seed'], withAdmin)
    expect(second.code).toBe(0)
    expect(JSON.parse(second.stdout)).toEqual({ levels: 0, permissions: 0, restrictions: 0, users: [] })
  })

  it('user create prints one JSON user; level labels make it active at that level', async () => {
    const r = await runCli(['user', 'create', '--email', 'Trader@Example.com', '--password', 'Kal31ewwqXrew', '--role', 'trader', '--level', '2'], env)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const user = JSON.parse(r.stdout)
    expect(user).toMatchObject({ email: 'trader@example.com', role: 'trader', level: 2, state: 'active', otp: false })
    expect(user.uid).toMatch(/^ID[0-9A-F]{10}$/)

    const plain = JSON.parse((await runCli(['user', 'create', '--email', 'p@example.com', '--password', 'Kal31ewwqXrew'], env)).stdout)
    expect(plain).toMatchObject({ role: 'member', level: 0, state: 'pending' })

    const banned = JSON.parse((await runCli(['user', 'create', '--email', 'b@example.com', '--password', 'Kal31ewwqXrew', '--state', 'banned'], env)).stdout)
    expect(banned.state).toBe('banned')
  })

  it.each([
    [['user', 'create', '--email', 'x@example.com'], /needs --password/],
    [['user', 'create', '--email', 'bad', '--password', 'Kal31ewwqXrew'], /email\.invalid/],
    [['user', 'create', '--email', 'trader@example.com', '--password', 'Kal31ewwqXrew'], /email\.taken/],
    [['user', 'create', '--email', 'w@example.com', '--password', 'Password1'], /password\.weak/],
    [['user', 'create', '--email', 'r@example.com', '--password', 'Kal31ewwqXrew', '--role', 'pope'], /role\.doesnt_exist/],
    [['user', 'create', '--email', 'l@example.com', '--password', 'Kal31ewwqXrew', '--level', 'x'], /--level/],
    [['user', 'create', '--bogus'], /bogus/],
    [['frobnicate'], /unknown command/],
    [[], /no command/],
    [['seed', '/nonexistent/seeds.yml'], /cannot read seeds file/],
  ])('bad input %j: non-zero exit and one line', async (args, message) => {
    const r = await runCli(args, env)
    expect(r.code).not.toBe(0)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(message)
  })

  it('bad configuration: non-zero exit and one line naming the variable', async () => {
    const r = await runCli(['migrate'], { ...env, DATABASE_URL: 'mysql://nope' })
    expect(r.code).not.toBe(0)
    expect(r.stderr.trim()).toMatch(/^barong: invalid configuration: DATABASE_URL [^\n]+$/)
  })

  it('keys generate prints an RSA private key', async () => {
    const r = await runCli(['keys', 'generate'], {})
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/)
  })
})
