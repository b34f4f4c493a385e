/**
 * `npm run bench -- admin`: GET /admin/users pages over 100,000 users with labels and profiles, on PostgreSQL and on
 * the embedded default; p50/p99 per query shape (target on PostgreSQL: p99 ≤ 200 ms for every page). See
 * bench/README.md. BENCH_ADMIN_USERS, BENCH_ADMIN_BACKENDS=postgres,embedded, BENCH_DURATION.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { createSecretBox, parseSecretKey } from '../src/crypto/secretbox.ts'
import { nameDigest } from '../src/accounts/profile-seal.ts'
import { openDb } from '../src/storage/db.ts'
import { ROOT, cleanEnv, freePort, runCli } from '../test/helpers/spawn.ts'
import { measure, spawnNode, table, verdict, withTimeout, type Proc, type Row } from './lib.ts'

const USERS = Number(process.env.BENCH_ADMIN_USERS ?? 100_000)
const BACKENDS = (process.env.BENCH_ADMIN_BACKENDS ?? 'postgres,embedded').split(',')
const DURATION = Number(process.env.BENCH_DURATION ?? 5)
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const PASSWORD = 'Kal31ewwqXrew'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) BarongBench/1.0'
const TARGET_P99_MS = 200
const FIRST = ['Ann', 'Bob', 'Chen', 'Dana', 'Emil', 'Fay', 'Gus', 'Hana', 'Ivan', 'Jo']
const LAST = ['Lee', 'Kim', 'Novak', 'Silva', 'Ortiz', 'Meyer', 'Rossi', 'Sato', 'Khan', 'Berg']
const COUNTRIES = ['UA', 'DE', 'US', 'BR', 'JP', 'FR', 'IN', 'NG', 'PL', 'GB']

/** 100k users in SQL: levels 0..3 with the labels that make them, states, roles, one profile for every other user. */
async function populate(env: Record<string, string>, secretHex: string) {
  const handle = await openDb({ url: env.DATABASE_URL, dataDir: env.DATA_DIR! })
  const box = createSecretBox(parseSecretKey(secretHex))
  const sealed = (names: string[]) => `{${names.map((n) => `"${box.seal(n)}"`).join(',')}}`
  const digests = (names: string[]) => `{${names.map((n) => nameDigest(box, n)).join(',')}}`
  const t0 = performance.now()
  const db = handle.db
  // Spread over the last year, one per ~5 minutes, so created_at ranges select slices.
  await db.execute(sql`
    insert into users (uid, email, password_digest, role, level, otp, state, created_at, updated_at)
    select 'BN' || lpad(upper(to_hex(i)), 10, '0'), 'user' || i || '@bench.example', 'x',
           (array['member','trader','broker'])[1 + i % 3], i % 4, i % 5 = 0,
           (array['active','active','active','pending','banned'])[1 + i % 5],
           now() - make_interval(secs => i * 300), now() - make_interval(secs => i * 150)
    from generate_series(1, ${USERS}) i`)
  await db.execute(sql`
    insert into labels (user_id, key, value, scope, created_at, updated_at)
    select u.id, l.key, l.value, 'private', u.created_at, u.created_at
    from users u join (values (1, 'email', 'verified'), (2, 'phone', 'verified'), (3, 'document', 'verified')) l(lvl, key, value) on u.level >= l.lvl
    where u.email like '%@bench.example'`)
  await db.execute(sql`
    insert into labels (user_id, key, value, scope, created_at, updated_at)
    select id, 'document', 'pending', 'private', created_at, updated_at from users where level = 2 and (id / 4) % 5 = 0 and email like '%@bench.example'`)
  await db.execute(sql`
    insert into profiles (user_id, first_name, last_name, first_name_digest, last_name_digest, dob, address, postcode, city, country, state, created_at, updated_at)
    select id, (${sealed(FIRST)}::text[])[1 + id % 10], (${sealed(LAST)}::text[])[1 + (id / 10) % 10],
           (${digests(FIRST)}::text[])[1 + id % 10], (${digests(LAST)}::text[])[1 + (id / 10) % 10],
           null, null, '01001', 'City', (${`{${COUNTRIES.join(',')}}`}::text[])[1 + (id / 100) % 10], 'verified', created_at, updated_at
    from users where id % 2 = 0 and email like '%@bench.example'`)
  await db.execute(sql`analyze`)
  await handle.close()
  return Math.round(performance.now() - t0)
}

async function signIn(base: string, email: string): Promise<string> {
  const res = await withTimeout(fetch(`${base}/api/v2/barong/identity/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'User-Agent': UA }, body: JSON.stringify({ email, password: PASSWORD }) }), 10_000, 'sign-in')
  const m = /_barong_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')
  if (res.status !== 200 || !m) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`)
  return `_barong_session=${m[1]}`
}

/** The query shapes measured: filters alone and combined, deep pages, orderings, the extended view. */
function shapes(): [string, string][] {
  const now = Math.floor(Date.now() / 1000)
  return [
    ['first page', ''],
    ['page 500', 'page=500'],
    ['email', 'email=user4242@bench.example'],
    ['level', 'level=2'],
    ['state', 'state=banned'],
    ['country', 'country=UA'],
    ['first_name', 'first_name=ann'],
    ['created_at range', `range=created&from=${now - 30 * 86400}&to=${now - 20 * 86400}`],
    ['order_by email desc', 'order_by=email&ordering=desc'],
    ['order_by level, page 100', 'order_by=level&page=100'],
    ['extended', 'extended=true'],
    ['level+country+state, newest', 'level=3&country=DE&state=active&order_by=created_at&ordering=desc'],
    ['documents pending', '@pending'],
  ]
}

async function benchBackend(backend: string) {
  const suffix = randomBytes(4).toString('hex')
  const dataDir = mkdtempSync(join(tmpdir(), 'barong-bench-admin-'))
  const dbName = `bench_admin_${suffix}`
  const root = backend === 'postgres' ? postgres(PG, { max: 1, onnotice: () => {} }) : undefined
  let gateway: Proc | undefined
  try {
    const jwtKey = await runCli(['keys', 'generate'], {})
    const secretHex = randomBytes(32).toString('hex')
    const env: Record<string, string> = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', BARONG_JWT_PRIVATE_KEY: jwtKey.stdout.trim(), BARONG_SECRET_KEY: secretHex }
    if (root) {
      await root.unsafe(`CREATE DATABASE ${dbName}`)
      env.DATABASE_URL = PG.replace(/\/[^/]*$/, `/${dbName}`)
    }
    const adminEmail = `root.${suffix}@example.com`
    for (const args of [['seed'], ['user', 'create', '--email', adminEmail, '--password', PASSWORD, '--state', 'active', '--role', 'superadmin']]) {
      const r = await runCli(args, env, 120_000)
      if (r.code !== 0) throw new Error(`barong ${args.join(' ')}: ${r.stderr}`)
    }
    console.log(`${backend}: populating ${USERS} users …`)
    const populateMs = await populate(env, secretHex)
    console.log(`${backend}: populated in ${populateMs} ms`)
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const ping = () => fetch(`${base}/api/v2/barong/public/ping`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false)
    gateway = await spawnNode(['--max-old-space-size=256', 'dist/main.js'], cleanEnv({ ...env, HOST: '127.0.0.1', PORT: String(port) }), ping, 120_000)
    const cookie = await signIn(base, adminEmail)
    const rows: (Row & { query: string })[] = []
    for (const [name, query] of shapes()) {
      const path = query === '@pending' ? '/api/v2/barong/admin/users/documents/pending' : `/api/v2/barong/admin/users?${query}`
      const probe = await fetch(`${base}${path}`, { headers: { Cookie: cookie, 'User-Agent': UA } })
      if (probe.status !== 200) throw new Error(`${path} answered ${probe.status}: ${await probe.text()}`)
      const total = probe.headers.get('total')
      const row = await measure(`${name} (${total} matching)`, { url: `${base}${path}`, connections: 4, headers: { Cookie: cookie, 'User-Agent': UA } }, DURATION, 1)
      rows.push({ ...row, query })
    }
    return { backend, populateMs, rows }
  } finally {
    await gateway?.stop().catch(() => {})
    if (root) {
      await root.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e) => console.error(`drop ${dbName}: ${e.message}`))
      await root.end({ timeout: 5 })
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export async function runAdminBench() {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' })
  const results = []
  for (const backend of BACKENDS) results.push(await benchBackend(backend))
  for (const r of results) {
    console.log(`\nGET /admin/users, ${USERS} users, ${r.backend} (populated in ${r.populateMs} ms), 4 connections, ${DURATION} s each`)
    const target = r.backend === 'postgres'
    console.log(
      table(
        ['query', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', ...(target ? [`p99 ≤ ${TARGET_P99_MS} ms`] : [])],
        r.rows.map((x) => [x.name, x.rps, x.p50, x.p99, x.non2xx + x.errors, ...(target ? [verdict(x.p99 <= TARGET_P99_MS && x.non2xx + x.errors === 0)] : [])]),
      ),
    )
  }
  const dir = join(ROOT, 'bench/results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `admin-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ users: USERS, results }, null, 2))
}
