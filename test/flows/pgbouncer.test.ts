import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { usingRealServers } from '../helpers/app.ts'
import { get, pollUntil, seededBackend, signIn, signUp, type Backend } from '../helpers/live.ts'
import { freePort, startServer, type RunningServer } from '../helpers/spawn.ts'

// PostgreSQL behind PgBouncer in transaction mode (Debian's pgbouncer 1.18: no prepared statements across its
// server connections), as README "Operations" says to run it: DATABASE_PREPARE=false, and migrations straight to
// PostgreSQL through DATABASE_MIGRATION_URL (their advisory lock needs one session).
const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((b) => spawnSync(b, ['--version']).status === 0)
const enabled = usingRealServers && !!PGBOUNCER
const ME = '/api/v2/auth/api/v2/barong/resource/users/me'

describe.skipIf(!enabled)('PostgreSQL behind PgBouncer (transaction pooling)', () => {
  let backend: Backend
  let bouncer: ChildProcess
  let dir = ''
  let bouncerUrl = ''
  const servers: RunningServer[] = []

  beforeAll(async () => {
    backend = await seededBackend()
    dir = mkdtempSync(join(tmpdir(), 'barong-pgbouncer-'))
    chmodSync(dir, 0o777)
    const port = await freePort()
    const direct = new URL(backend.dbUrl!)
    writeFileSync(join(dir, 'users.txt'), `"${direct.username || 'postgres'}" ""\n`)
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `* = host=${direct.hostname} port=${direct.port || 5432}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'users.txt')}`,
        'pool_mode = transaction',
        'default_pool_size = 4',
        'max_client_conn = 200',
        // postgres-js sends these at start-up; PgBouncer passes only what it knows.
        'ignore_startup_parameters = extra_float_digits,statement_timeout',
        `logfile = ${join(dir, 'pgbouncer.log')}`,
        `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      ].join('\n'),
    )
    // It refuses to run as root: -u drops to the postgres user.
    const asRoot = process.getuid?.() === 0
    bouncer = spawn(PGBOUNCER!, [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], { stdio: 'ignore' })
    bouncerUrl = `postgres://${direct.username || 'postgres'}@127.0.0.1:${port}${direct.pathname}`
    const up = await pollUntil(
      async () => spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', String(port)]).status === 0,
      (ok) => ok,
      10_000,
      100,
    )
    if (!up.ok) throw new Error('pgbouncer did not start')
  }, 120_000)

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
    bouncer?.kill('SIGTERM')
    await backend?.cleanup()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('with DATABASE_PREPARE=false: sign-up, sign-in, the session, staff and resource reads all work through it', async () => {
    const server = await startServer({ ...backend.env, DATABASE_URL: bouncerUrl, DATABASE_PREPARE: 'false', DATABASE_MIGRATION_URL: backend.dbUrl! })
    servers.push(server)
    const base = server.base
    // Several rounds: transaction pooling hands each one whichever server connection is free.
    for (let i = 0; i < 5; i++) {
      const user = await signUp(base)
      expect((await get(`${base}${ME}`, user.cookie)).status).toBe(200)
      await signIn(base, user.email)
      const me = await get(`${base}/api/v2/barong/resource/users/me`, user.cookie)
      expect(me.status, me.text).toBe(200)
      expect(me.json.email).toBe(user.email)
      const activity = await get(`${base}/api/v2/barong/resource/users/activity/all`, user.cookie)
      expect(activity.status, activity.text).toBe(200)
    }
  })
})
