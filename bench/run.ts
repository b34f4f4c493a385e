/**
 * Load benchmark of the gateway against a bare Hono server: `npm run bench -- [authz] [forward] [login]` (default all).
 * See bench/README.md. Every load goes to 127.0.0.1; every loop is bounded in time.
 */
import { execFileSync, spawn } from 'node:child_process'
import { createHmac, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash, verify } from '@node-rs/argon2'
import autocannon from 'autocannon'
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { hashSessionId, newCsrfToken, type SessionData } from '../src/accounts/sessions.ts'
import { keys as storeKeys } from '../src/cache/keys.ts'
import { ARGON2_PARAMS } from '../src/crypto/password.ts'
import { createSecretBox, parseSecretKey } from '../src/crypto/secretbox.ts'
import { NGINX, nginxConf } from '../test/helpers/nginx.ts'
import { ROOT, cleanEnv, freePort, runCli } from '../test/helpers/spawn.ts'
import { affinity, localRedisPid, measure, memoryMb, pin, restoreAffinity, sleep, spawnNode, table, verdict, withTimeout, type Proc, type Row } from './lib.ts'
import { summarizeProfiles } from './profile.ts'

// `admin` is a run of its own (bench/admin.ts): a large database, no load on the gateway's hot path.
if (process.argv.slice(2).includes('admin')) {
  const { runAdminBench } = await import('./admin.ts')
  await runAdminBench()
  process.exit(0)
}

const SCENARIOS = ['authz', 'forward', 'login', 'replica']
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'))
for (const a of asked) if (!SCENARIOS.includes(a)) throw new Error(`unknown scenario ${a} (expected ${SCENARIOS.join(', ')})`)
// `replica` (100 000 sessions, each signed for once) takes minutes: only when asked for.
const run = new Set(asked.length ? asked : SCENARIOS.filter((s) => s !== 'replica'))
const DURATION = Number(process.env.BENCH_DURATION ?? 10)
const CASES = process.env.BENCH_CASES?.split(',') // authz cases: hello,floor,cookie,apikey,denied,workers
const PROFILE = process.env.BENCH_PROFILE === '1'
// The node flags of `npm start` (the server is measured as users run it), plus BENCH_NODE_FLAGS.
const START_FLAGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start as string)
  .split('&&')
  .at(-1)!
  .split(/\s+/)
  .filter((t) => t.startsWith('--'))
const NODE_FLAGS = [...START_FLAGS, ...(process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? [])]
const PG = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const PASSWORD = 'Kal31ewwqXrew'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) BarongBench/1.0'
const ME = '/api/v2/auth/api/v2/barong/resource/users/me'
const DENIED = '/api/v2/auth/api/v2/barong/admin/users'
const STAMP = new Date().toISOString().replace(/[:.]/g, '-')
const RESULTS = join(ROOT, 'bench/results')

// A local Redis is moved to core 1 for the run (and put back at the end): left free, the scheduler sometimes
// runs it on the gateway's core, and the figures then swing by a third between identical runs.
const redisPid = process.env.BENCH_STORE === 'memory' ? null : localRedisPid(Number(new URL(REDIS).port || 6379))
const redisCpus = redisPid ? affinity(redisPid) : null
const machine = { cpus: cpus().length, node: process.version, autocannonPinned: pin(process.pid, 1), gatewayPinned: false, redisPinned: !!(redisPid && redisCpus && pin(redisPid, 1)) }
console.log(`bench: ${[...run].join(', ')}; ${machine.cpus} cores, node ${machine.node}, autocannon ${machine.autocannonPinned ? 'on core 1' : 'unpinned'}, Redis ${machine.redisPinned ? 'on core 1' : 'unpinned'}`)
const suffix = randomBytes(4).toString('hex')
const dbName = `bench_${suffix}`
const prefix = `bench:${suffix}:`
const dataDir = mkdtempSync(join(tmpdir(), 'barong-bench-'))
const admin = postgres(PG, { max: 1, onnotice: () => {} })
const procs: Proc[] = []
let gateway: Proc | undefined
let db: postgres.Sql | undefined
const watchdog = setTimeout(() => void cleanup().finally(() => process.exit(3)), 15 * 60_000) // the whole run is bounded
// Interrupted: still drop the database and keys and give Redis its cores back.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)))

async function cleanup() {
  clearTimeout(watchdog)
  if (machine.redisPinned) restoreAffinity(redisPid!, redisCpus!)
  for (const p of procs.reverse()) await p.stop().catch(() => {})
  await db?.end({ timeout: 5 }).catch(() => {})
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e) => console.error(`drop ${dbName}: ${e.message}`))
  await admin.end({ timeout: 5 }).catch(() => {})
  const r = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await r.connect()
    let cursor = '0'
    for (const until = Date.now() + 60_000; Date.now() < until; ) {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      if (keys.length) await r.unlink(...keys)
      if ((cursor = next) === '0') break
    }
  } catch (e) {
    console.error(`redis cleanup: ${(e as Error).message}`)
  } finally {
    r.disconnect()
  }
  rmSync(dataDir, { recursive: true, force: true })
}

function report(scenario: string, targets: [string, boolean][], data: object) {
  console.log(`\n${targets.map(([t, ok]) => `  ${verdict(ok)}  ${t}`).join('\n')}`)
  mkdirSync(RESULTS, { recursive: true })
  const file = join(RESULTS, `${scenario}-${STAMP}.json`)
  const out = { scenario, at: new Date().toISOString(), machine, durationS: DURATION, nodeFlags: NODE_FLAGS, ...data, targets: targets.map(([target, pass]) => ({ target, pass })) }
  writeFileSync(file, JSON.stringify(out, null, 2))
  console.log(`→ ${file}\n`)
}

/** A reference server from bench/servers.ts, pinned to `core`. */
async function server(args: string[], core: number) {
  const p = await spawnNode(['--import', 'tsx', 'bench/servers.ts', ...args], process.env, (o) => /listening \d+/.test(o), 15_000)
  procs.push(p)
  return { ...p, port: Number(/listening (\d+)/.exec(p.output())![1]), pinned: pin(p.child.pid, core) }
}

/** Signs in `count` times (a distinct session each), `parallel` at a time; returns the session cookies. */
async function signIns(base: string, email: string, count: number, parallel = 8): Promise<string[]> {
  const out: string[] = []
  const one = async () => {
    const res = await withTimeout(fetch(`${base}/api/v2/barong/identity/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'User-Agent': UA }, body: JSON.stringify({ email, password: PASSWORD }) }), 10_000, 'sign-in')
    const m = /_barong_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')
    if (res.status !== 200 || !m) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`)
    out.push(`_barong_session=${m[1]}`)
  }
  for (let i = 0; i < count; i += parallel) await Promise.all(Array.from({ length: Math.min(parallel, count - i) }, one))
  return out
}

async function signUp(base: string, email: string): Promise<string> {
  const res = await withTimeout(fetch(`${base}/api/v2/barong/identity/users`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'User-Agent': UA }, body: JSON.stringify({ email, password: PASSWORD }) }), 10_000, 'sign-up')
  const m = /_barong_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')
  if (res.status !== 201 || !m) throw new Error(`sign-up answered ${res.status}: ${await res.text()}`)
  return `_barong_session=${m[1]}`
}

async function main() {
  // The server is measured as `npm start` runs it: the compiled build.
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' })
  // ---- backend: a fresh database, a Redis prefix of our own, Barong's default permissions, 64 API keys ----
  await admin.unsafe(`CREATE DATABASE ${dbName}`)
  const dbUrl = PG.replace(/\/[^/]*$/, `/${dbName}`)
  const jwtKey = await runCli(['keys', 'generate'], {})
  const secretHex = randomBytes(32).toString('hex')
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl, ...(process.env.BENCH_STORE === 'memory' ? {} : { REDIS_URL: REDIS }), REDIS_KEY_PREFIX: prefix, DATA_DIR: dataDir, LOG_LEVEL: 'warn',
    BARONG_JWT_PRIVATE_KEY: jwtKey.stdout.trim(), BARONG_SECRET_KEY: secretHex,
    BARONG_LOGIN_MAX_ATTEMPTS: '10000', BARONG_LOGIN_IP_MAX_ATTEMPTS: '1000000',
  }
  const ownerEmail = `apikeys.${suffix}@example.com`
  for (const args of [['seed'], ['user', 'create', '--email', ownerEmail, '--password', PASSWORD, '--state', 'active']]) {
    const r = await runCli(args, env)
    if (r.code !== 0 || jwtKey.code !== 0) throw new Error(`barong ${args[0]}: ${r.stderr}${jwtKey.stderr}`)
  }
  // API keys are loaded into memory at start, so they are written first; their owner needs 2FA on.
  db = postgres(dbUrl, { max: 1, onnotice: () => {} })
  const [owner] = await db`UPDATE users SET otp = true WHERE email = ${ownerEmail} RETURNING id`
  const box = createSecretBox(parseSecretKey(secretHex))
  const keys = Array.from({ length: 64 }, () => ({ kid: randomBytes(8).toString('hex'), secret: randomBytes(16).toString('hex'), last: 0 }))
  await db`INSERT INTO apikeys ${db(keys.map((k) => ({ user_id: owner!.id, kid: k.kid, algorithm: 'HS256', state: 'active', secret_encrypted: box.seal(k.secret) })))}`

  const upstream = run.has('forward') ? await server(['upstream'], 1) : undefined
  if (upstream) {
    env.BARONG_UPSTREAMS = join(dataDir, 'upstreams.json')
    writeFileSync(env.BARONG_UPSTREAMS, JSON.stringify([{ prefix: '/api/v2/peatio', target: `http://127.0.0.1:${upstream.port}` }]))
  }
  const profDir = join(RESULTS, `prof-${STAMP}`)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const t0 = performance.now()
  const ping = () => fetch(`${base}/api/v2/barong/public/ping`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false)
  const flags = [...NODE_FLAGS, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])]
  gateway = await spawnNode([...flags, 'dist/main.js'], cleanEnv({ ...env, HOST: '127.0.0.1', PORT: String(port) }), ping)
  procs.push(gateway)
  const gw = gateway.child.pid
  const startMs = Math.round(performance.now() - t0)
  machine.gatewayPinned = pin(gw, 0)
  console.log(`gateway pid ${gw} ready in ${startMs} ms (${machine.gatewayPinned ? 'on core 0' : 'unpinned'}), RSS ${memoryMb(gw)?.rss} MB`)

  const cookieEmail = `cookie.${suffix}@example.com`
  const cookieHeaders = { Cookie: await signUp(base, cookieEmail), 'User-Agent': UA }
  // Distinct signed-in sessions, cycled per request (the replica holds them all; none is special).
  const sessionCount = Number(process.env.BENCH_SESSIONS ?? 1000)
  const t1 = performance.now()
  const cookies = [cookieHeaders.Cookie, ...(await signIns(base, cookieEmail, sessionCount - 1))]
  console.log(`${cookies.length} sessions signed in (${Math.round(performance.now() - t1)} ms)`)
  let nextCookie = 0
  const cookieRequest = (path: string) => ({ method: 'GET' as const, path, setupRequest: (req: any) => ({ ...req, headers: { ...req.headers, 'User-Agent': UA, Cookie: cookies[nextCookie++ % cookies.length] } }) })
  const get = async (path: string, headers: Record<string, string>) => {
    const t = performance.now()
    const res = await withTimeout(fetch(`${base}${path}`, { headers }), 10_000, path)
    return { status: res.status, text: await res.text(), ms: +(performance.now() - t).toFixed(2), headers: res.headers }
  }
  const first = await get(ME, cookieHeaders)
  const seqMs: number[] = []
  for (let i = 0; i < 51; i++) seqMs.push((await get(ME, cookieHeaders)).ms)
  const coldStart = { firstDecisionMs: first.ms, sequentialMedianMs: seqMs.sort((a, b) => a - b)[25]!, gatewayStartMs: startMs }

  // A fresh nonce per request: strictly increasing per key (64 keys), so (kid, nonce) never repeats, and ~2 s old.
  let seq = 0
  const apiKeyHeaders = () => {
    const k = keys[seq++ % keys.length]!
    const nonce = String((k.last = Math.max(k.last + 1, Date.now() - 2000)))
    return { 'X-Auth-Apikey': k.kid, 'X-Auth-Nonce': nonce, 'X-Auth-Signature': createHmac('sha256', k.secret).update(nonce + k.kid).digest('hex') }
  }
  const apiKeyRequest = (path: string) => ({ method: 'GET' as const, path, setupRequest: (req: any) => ({ ...req, headers: { ...req.headers, ...apiKeyHeaders() } }) })

  // Steady state before any measured run: each session and key used twice, so that its JWT is signed and held (the
  // minter holds a token from the second it signs). Otherwise the first seconds of the first run would sign 2 000
  // RS256 tokens (~2.5 ms each, on libuv's threads beside the main thread) and be measured as decisions.
  const t2 = performance.now()
  const primeAll = async (headersOf: (i: number) => Record<string, string>, count: number) => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < count; i += 16) {
        const batch = Array.from({ length: Math.min(16, count - i) }, (_, j) => get(ME, headersOf(i + j)))
        for (const r of await Promise.all(batch)) if (r.status !== 200) throw new Error(`priming answered ${r.status}: ${r.text}`)
      }
    }
  }
  // Only the decision and forwarding runs cycle these sessions and keys (the replica run measures its own from cold).
  if (run.has('authz') || run.has('forward')) {
    await primeAll((i) => ({ Cookie: cookies[i]!, 'User-Agent': UA }), cookies.length)
    await primeAll(() => apiKeyHeaders(), keys.length)
    console.log(`each session and API key used twice before the runs, its JWT held (${Math.round(performance.now() - t2)} ms)`)
  }

  if (run.has('authz')) {
    console.log('\n== authz: 50 connections ==')
    const probe = { cookie: (await get(ME, cookieHeaders)).status, apikey: (await get(ME, apiKeyHeaders())).status, denied: (await get(DENIED, cookieHeaders)).status }
    console.log(`  probes: cookie ${probe.cookie}, API key ${probe.apikey}, denied ${probe.denied} (expected 200, 200, 401)`)
    const want = (c: string) => !CASES || CASES.includes(c)
    const rows: Row[] = []
    const hello = await server(['hello'], 0)
    if (want('hello')) rows.push(await measure('bare Hono', { url: `http://127.0.0.1:${hello.port}/`, connections: 50 }, DURATION))
    const helloRss = memoryMb(hello.child.pid)?.rss
    await hello.stop()
    if (want('floor') && process.env.BENCH_STORE !== 'memory') {
      const floor = await server(['floor', REDIS, `${prefix}floor`], 0)
      rows.push(await measure('floor: node:http + 1 Redis read', { url: `http://127.0.0.1:${floor.port}/`, connections: 50 }, DURATION))
      await floor.stop()
    }
    if (want('cookie')) rows.push(await measure('cookie decision', { url: base, connections: 50, requests: [cookieRequest(ME)] }, DURATION, 2, gw))
    if (want('apikey')) rows.push(await measure('API-key decision', { url: base, connections: 50, requests: [apiKeyRequest(ME)] }, DURATION, 2, gw))
    if (want('denied')) rows.push(await measure('denied (401)', { url: base, connections: 50, requests: [cookieRequest(DENIED)] }, DURATION, 2, gw))
    const mem = memoryMb(gw)
    if (want('workers') && process.env.BENCH_STORE !== 'memory') {
      // The same service as two processes behind one socket, unpinned: on 2 cores they share the machine with
      // autocannon and Redis, so this is a figure beside the others, not a target.
      const port2 = await freePort()
      const ready2 = () => fetch(`http://127.0.0.1:${port2}/api/v2/barong/public/ping`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false)
      const two = await spawnNode([...NODE_FLAGS, 'dist/main.js'], cleanEnv({ ...env, HOST: '127.0.0.1', PORT: String(port2), BARONG_WORKERS: '2' }), ready2, 60_000)
      procs.push(two)
      rows.push(await measure('cookie decision, BARONG_WORKERS=2', { url: `http://127.0.0.1:${port2}`, connections: 50, requests: [cookieRequest(ME)] }, DURATION))
      await two.stop()
    }
    await sleep(1500) // every denial is queued as an admin activity (dropped past 10 000 queued): how many were written?
    const [{ n: auditRows }] = (await db`SELECT count(*)::int AS n FROM activities WHERE result = 'denied'`) as unknown as [{ n: number }]
    const bare = rows.find((r) => r.name === 'bare Hono')?.rps
    console.log(`\n${table(['case', 'req/s', '× Hono', 'p50 ms', 'mean ms', 'p99 ms', 'non-2xx', 'errors', 'status codes'], rows.map((r) => [r.name, r.rps, bare ? (r.rps / bare).toFixed(2) : '-', r.p50, r.mean, r.p99, r.non2xx, r.errors, JSON.stringify(r.statusCodes)]))}`)
    const cpu = rows.filter((r) => r.cpuMsPerReq).map((r) => `${r.name} ${Math.round(r.cpuMsPerReq!.main * 1000)} µs (+${Math.round(r.cpuMsPerReq!.others * 1000)} other threads)`)
    console.log(`\n  gateway CPU per request: ${cpu.join(', ')}`)
    console.log(`  ${cookies.length} sessions cycled; gateway RSS ${mem?.rss} MB (peak ${mem?.peak}), bare Hono RSS ${helloRss} MB; denied activities written: ${auditRows}`)
    console.log(`  first decision after start ${first.ms} ms, sequential median ${coldStart.sequentialMedianMs} ms; gateway start ${startMs} ms`)
    const targets: [string, boolean][] = []
    const floorRps = rows.find((r) => r.name.startsWith('floor'))?.rps
    const ratio = (r: Row, ref: number, min: number, refName: string): [string, boolean] => [`${r.name} ≥ ${min}× ${refName} (${(r.rps / ref).toFixed(2)})`, r.rps / ref >= min]
    for (const r of rows.filter((r) => r.name !== 'bare Hono' && !r.name.startsWith('floor') && !r.name.includes('WORKERS'))) {
      if (bare && r.name === 'cookie decision') targets.push(ratio(r, bare, 0.65, 'bare Hono'))
      if (floorRps && r.name === 'API-key decision') targets.push(ratio(r, floorRps, 0.8, 'floor'))
      if (bare && r.name === 'denied (401)') targets.push(ratio(r, bare, 0.5, 'bare Hono'))
      if (r.name !== 'denied (401)') targets.push([`${r.name} p99 ≤ 10 ms (${r.p99})`, r.p99 <= 10])
    }
    if (mem) targets.push([`gateway RSS ≤ 200 MB (${mem.rss})`, mem.rss <= 200])
    report('authz', targets, { probe, rows, gatewayMb: mem, helloRssMb: helloRss, deniedActivitiesWritten: auditRows, coldStart })
  }

  if (upstream) {
    console.log('== forward: 50 connections ==')
    const path = '/api/v2/peatio/account/balances'
    const probe = await get(path, cookieHeaders)
    if (probe.status !== 200 || probe.headers.get('x-bench-upstream') !== '1') {
      console.log(`  skipped: BARONG_UPSTREAMS forwarding not available (probe: ${probe.status} ${probe.text.slice(0, 120)})\n`)
    } else {
      console.log(`  probe: 200 from the upstream, Authorization added: ${probe.headers.get('x-saw-authorization') === '1'}`)
      const plain = await server(['proxy', `http://127.0.0.1:${upstream.port}`], 0)
      const rows = [
        await measure('upstream direct', { url: `http://127.0.0.1:${upstream.port}${path}`, connections: 50 }, DURATION),
        await measure('plain http-proxy', { url: `http://127.0.0.1:${plain.port}${path}`, connections: 50 }, DURATION, 2, plain.child.pid),
      ]
      await plain.stop()
      // The same on undici's pool: what a forwarder built on it could reach here (README "Performance").
      const viaUndici = await server(['undici-proxy', `http://127.0.0.1:${upstream.port}`], 0)
      rows.push(await measure('plain undici proxy', { url: `http://127.0.0.1:${viaUndici.port}${path}`, connections: 50 }, DURATION, 2, viaUndici.child.pid))
      await viaUndici.stop()
      rows.push(await measure('gateway (cookie)', { url: base, connections: 50, requests: [cookieRequest(path)] }, DURATION, 2, gw))
      rows.push(await measure('gateway (API key)', { url: base, connections: 50, requests: [apiKeyRequest(path)] }, DURATION, 2, gw))
      // What an operator would compare it with: nginx asking this gateway (auth_request, deploy/nginx.conf with this
      // run's ports) in front of the same upstream. Debian's nginx, one worker, unpinned.
      if (NGINX) {
        const nginxDir = mkdtempSync(join(tmpdir(), 'barong-bench-nginx-'))
        const nginxPort = await freePort()
        writeFileSync(join(nginxDir, 'nginx.conf'), nginxConf(nginxDir, nginxPort, port, upstream.port))
        const child = spawn(NGINX, ['-p', `${nginxDir}/`, '-c', join(nginxDir, 'nginx.conf'), '-e', join(nginxDir, 'error.log')], { stdio: 'ignore' })
        const stopNginx = async () => {
          if (child.exitCode === null) {
            const exited = new Promise((r) => child.once('exit', r))
            child.kill('SIGTERM')
            await exited
          }
          rmSync(nginxDir, { recursive: true, force: true })
        }
        procs.push({ child, output: () => '', stop: stopNginx })
        let through = 0
        for (let i = 0; i < 50 && through !== 200; i++) {
          await sleep(100)
          through = await fetch(`http://127.0.0.1:${nginxPort}${path}`, { headers: cookieHeaders }).then((r) => r.status, () => 0)
        }
        if (through === 200) rows.push(await measure('nginx auth_request → gateway (cookie)', { url: `http://127.0.0.1:${nginxPort}`, connections: 50, requests: [cookieRequest(path)] }, DURATION))
        else console.log(`  nginx row skipped: a request through nginx answered ${through}`)
        await stopNginx()
      }
      const ref = rows[1]!.rps
      console.log(`\n${table(['case', 'req/s', '× http-proxy', 'p50 ms', 'mean ms', 'p99 ms', 'non-2xx', 'errors'], rows.map((r) => [r.name, r.rps, (r.rps / ref).toFixed(2), r.p50, r.mean, r.p99, r.non2xx, r.errors]))}`)
      console.log('  (the upstream shares core 1 with autocannon in every row)')
      console.log(`  CPU per request on core 0: ${rows.filter((r) => r.cpuMsPerReq).map((r) => `${r.name} ${Math.round(r.cpuMsPerReq!.main * 1000)} µs`).join(', ')}`)
      report('forward', rows.filter((r) => r.name.startsWith('gateway')).map((r) => [`${r.name} ≥ 0.7× plain http-proxy (${(r.rps / ref).toFixed(2)})`, r.rps / ref >= 0.7]), { rows, gatewayMb: memoryMb(gw) })
    }
  }

  if (run.has('login')) {
    console.log('== login: 16 connections ==')
    const emails = Array.from({ length: 32 }, (_, i) => `login${i}.${suffix}@example.com`)
    for (let i = 0; i < emails.length; i += 4) await Promise.all(emails.slice(i, i + 4).map((e) => signUp(base, e)))
    let n = 0
    const body = () => JSON.stringify({ email: emails[n++ % emails.length], password: PASSWORD })
    const path = '/api/v2/barong/identity/sessions'
    const headers = { 'Content-Type': 'application/json', 'User-Agent': UA }
    const login = await measure('POST identity/sessions', { url: base, connections: 16, requests: [{ method: 'POST', path, headers, setupRequest: (req: any) => ({ ...req, body: body() }) }] }, DURATION, 2, gw)
    // The raw Argon2id verify rate with the project's parameters, in this process (core 1).
    const digest = await hash(PASSWORD, ARGON2_PARAMS)
    const rate = async (concurrency: number, ms = 4000) => {
      let done = 0
      const t = performance.now()
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (performance.now() - t < ms) if (await verify(digest, PASSWORD)) done++
      }))
      return +(done / ((performance.now() - t) / 1000)).toFixed(1)
    }
    const [seqRate, parRate] = [await rate(1), await rate(4)]
    console.log(`\n${table(['case', 'per s', 'p50 ms', 'mean ms', 'p99 ms', 'status codes'], [
      ['logins (gateway, 16 conns)', login.rps, login.p50, login.mean, login.p99, JSON.stringify(login.statusCodes)],
      ['argon2id verify, sequential', seqRate, '-', (1000 / seqRate).toFixed(1), '-', '-'],
      ['argon2id verify, 4 concurrent', parRate, '-', '-', '-', '-'],
    ])}`)
    console.log(`\n  logins / raw verify (4 concurrent): ${(login.rps / parRate).toFixed(2)}, / sequential: ${(login.rps / seqRate).toFixed(2)}; ${JSON.stringify(ARGON2_PARAMS)}`)
    if (login.cpuMsPerReq) console.log(`  gateway CPU per sign-in: main thread ${login.cpuMsPerReq.main} ms, other threads (Argon2) ${login.cpuMsPerReq.others} ms; raw verify ${(1000 / seqRate).toFixed(1)} ms`)
    report('login', [], { login, argon2: { params: ARGON2_PARAMS, sequentialPerS: seqRate, concurrent4PerS: parRate }, gatewayMb: memoryMb(gw) })
  }
  if (run.has('replica')) await replicaScenario(base, gw!, cookieEmail)
  if (PROFILE) {
    await gateway.stop() // the profile is written at exit
    console.log(summarizeProfiles(profDir))
  }
}

/**
 * The replica's memory at its default bound: BENCH_REPLICA_SESSIONS (100 000) sessions are written to Redis as a
 * sign-in writes them (no Argon2 for each), then each is used once through the gateway, which reads it into its
 * replica and mints its JWT. RSS before and after, and per session held.
 */
async function replicaScenario(base: string, gw: number, email: string) {
  if (process.env.BENCH_STORE === 'memory') return console.log('== replica: skipped with BENCH_STORE=memory ==\n')
  const n = Number(process.env.BENCH_REPLICA_SESSIONS ?? 100_000)
  console.log(`== replica: ${n} sessions, each used once and then again, 50 connections ==`)
  const [{ uid }] = (await db!`SELECT uid FROM users WHERE email = ${email}`) as unknown as [{ uid: string }]
  const r = new Redis(REDIS)
  const now = Date.now()
  const ids: string[] = []
  const t0 = performance.now()
  for (let i = 0; i < n; i += 1000) {
    const pipe = r.pipeline()
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const id = randomBytes(32).toString('base64url')
      const data: SessionData = { uid, ip: '127.0.0.1', ua: UA, csrf: newCsrfToken(), expireAt: now + 3_600_000, absoluteExpireAt: now + 86_400_000, createdAt: now }
      pipe.set(`${prefix}${storeKeys.session(hashSessionId(id))}`, JSON.stringify(data), 'PX', 86_400_000)
      ids.push(`_barong_session=${id}`)
    }
    await pipe.exec()
  }
  r.disconnect()
  console.log(`  ${n} sessions written to Redis (${Math.round(performance.now() - t0)} ms)`)
  const held = async () => Number(/^barong_session_replica_entries (\d+)/m.exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? NaN)
  const [before, heldBefore] = [memoryMb(gw), await held()]
  let next = 0
  const t1 = performance.now()
  const res = await autocannon({ url: base, connections: 50, amount: n, requests: [{ method: 'GET', path: ME, setupRequest: (req: any) => ({ ...req, headers: { ...req.headers, 'User-Agent': UA, Cookie: ids[next++ % ids.length] } }) }] })
  const seconds = (performance.now() - t1) / 1000
  await sleep(2000)
  const [after, heldAfter] = [memoryMb(gw), await held()]
  const added = heldAfter - heldBefore
  const perEntry = before && after && added > 0 ? Math.round(((after.rss - before.rss) * 1024 * 1024) / added) : NaN
  console.log(`  first use of each: ${Math.round(res.requests.total / seconds)} req/s, p99 ${res.latency.p99} ms, statuses ${JSON.stringify(Object.fromEntries(Object.entries(res.statusCodeStats ?? {}).map(([k, v]) => [k, (v as { count: number }).count])))}`)
  console.log(`  replica ${heldBefore} → ${heldAfter} sessions; gateway RSS ${before?.rss} → ${after?.rss} MB (peak ${after?.peak}); ${perEntry} bytes per session held`)
  // A second use of each: the minter now holds a token per session too (it holds one from the second signed).
  next = 0
  const again = await autocannon({ url: base, connections: 50, amount: n, requests: [{ method: 'GET', path: ME, setupRequest: (req: any) => ({ ...req, headers: { ...req.headers, 'User-Agent': UA, Cookie: ids[next++ % ids.length] } }) }] })
  await sleep(2000)
  const twice = memoryMb(gw)
  const perToken = after && twice ? Math.round(((twice.rss - after.rss) * 1024 * 1024) / n) : NaN
  console.log(`  second use of each (a token held per session as well): statuses ${JSON.stringify(Object.fromEntries(Object.entries(again.statusCodeStats ?? {}).map(([k, v]) => [k, (v as { count: number }).count])))}; gateway RSS ${twice?.rss} MB (peak ${twice?.peak}); ${perToken} more bytes per session`)
  report('replica', [[`gateway RSS with ${heldAfter} sessions held ≤ 300 MB (${after?.rss})`, !!after && after.rss <= 300 && heldAfter >= Math.min(n, 100_000)]], { sessions: n, heldBefore, heldAfter, before, after, bytesPerSession: perEntry, firstUseRps: Math.round(res.requests.total / seconds), p99: res.latency.p99, non2xx: res.non2xx, afterSecondUse: twice, tokenBytesPerSession: perToken, secondUseNon2xx: again.non2xx })
}

try {
  await main()
} catch (err) {
  console.error(`bench failed: ${(err as Error).stack ?? err}`)
  if (gateway) console.error(`gateway output:\n${gateway.output().slice(-3000)}`)
  process.exitCode = 1
} finally {
  await cleanup()
}
