/**
 * `npm run faults`: the service under steady load while the things it depends on fail, one at a time (README
 * "Operations"). Two instances of the compiled build run on the machine's PostgreSQL and RabbitMQ and on a
 * redis-server of the harness's own (persistent, as a production Redis holding sessions is; restarting the
 * machine's would empty it for everyone). Everything is on loopback; whatever a fault stops is started again,
 * also when the run is interrupted.
 *
 * Per fault it prints the requests made, unsafe allows (a request that must be refused answered 200, or reaching
 * the upstream), 5xx other than 502/503/504, requests cut off mid-way, lost writes (every sign-in and admin write
 * answered as done must have its row and its event, and the event must leave the outbox) and the seconds from the
 * service's return until the gateway serves everything again.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { ROOT, cleanEnv, freePort, runCli } from '../test/helpers/spawn.ts'
import { sleep, spawnNode, table, withTimeout, type Proc } from './lib.ts'

const PG = process.env.FAULTS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const RABBIT = process.env.FAULTS_RABBIT_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const PG_CLUSTER = process.env.FAULTS_PG_CLUSTER ?? execFileSync('ls', ['/etc/postgresql'], { encoding: 'utf8' }).trim().split('\n')[0]!
const RABBIT_DOWN_S = Number(process.env.FAULTS_RABBIT_DOWN_S ?? 30)
const STEADY_S = Number(process.env.FAULTS_STEADY_S ?? 5)
const CONCURRENCY = 8
const PASSWORD = 'Kal31ewwqXrew'
const UA = 'Mozilla/5.0 (X11; Linux x86_64) BarongFaults/1.0'
const ME = '/api/v2/auth/api/v2/barong/resource/users/me'
const ADMIN_PATH = '/api/v2/auth/api/v2/barong/admin/users'
const FORWARD = '/api/v2/peatio/account/balances'

const suffix = randomBytes(4).toString('hex')
const dbName = `faults_${suffix}`
const dataDir = mkdtempSync(join(tmpdir(), 'barong-faults-'))
const admin = postgres(PG, { max: 1, onnotice: () => {} })
let db: postgres.Sql | undefined

// ---------------------------------------------------------------- what the harness starts and stops

/** A redis-server of our own with an append-only file: a restart keeps the sessions, as in production. */
function ownRedis(port: number) {
  let child: ChildProcess | undefined
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'always', '--appenddirname', 'redis', '--save', ''], { stdio: 'ignore' })
      for (let i = 0; i < 100; i++) {
        if (await portOpen(port)) return
        await sleep(50)
      }
      throw new Error(`redis-server did not listen on ${port}`)
    },
    async stop() {
      const c = child
      if (!c || c.exitCode !== null || c.signalCode !== null) return
      const exited = new Promise((r) => c.once('exit', r))
      c.kill('SIGTERM')
      await exited
    },
  }
}

/** Whether something accepts TCP connections on the port. */
function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}

// Asynchronous: the load must keep running (and be timed) while they work.
const exec = promisify(execFile)
const pgctl = (action: 'start' | 'stop') => exec('pg_ctlcluster', ['--skip-systemctl-redirect', PG_CLUSTER, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])])
const rabbitctl = (action: 'stop_app' | 'start_app') => exec('rabbitmqctl', [action], { timeout: 120_000 })

/** The upstream behind the gateway's forwarding: counts what reaches it, and anything that never should have. */
function sampleUpstream(port: number) {
  let server: Server | undefined
  const state = { received: 0, unsafe: 0, withoutJwt: 0 }
  return {
    state,
    async start() {
      server = createServer((req, res) => {
        state.received++
        if (req.headers['x-fault-denied']) state.unsafe++
        if (!/^Bearer /.test(req.headers.authorization ?? '')) state.withoutJwt++
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}')
      })
      server.keepAliveTimeout = 1000
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r))
    },
    async stop() {
      const s = server
      if (!s) return
      server = undefined
      s.closeAllConnections()
      await new Promise((r) => s.close(r))
    },
  }
}

// ---------------------------------------------------------------- one request, as a client behind a balancer

interface Answer {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
  /** 'refused': no instance took the connection; 'cut': a request the service took and never answered. */
  error?: 'refused' | 'cut'
}

function once(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve) => {
    let sent = false
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, timeout: 10_000, headers: { 'User-Agent': UA, ...headers, ...(body && { 'Content-Type': 'application/json' }) } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }))
      res.on('error', () => resolve({ status: 0, body: '', headers: {}, error: 'cut' }))
    })
    req.on('socket', (s) => s.once('connect', () => (sent = true)))
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve({ status: 0, body: '', headers: {}, error: sent ? 'cut' : 'refused' }))
    req.end(body)
  })
}

let instances: { port: number; proc?: Proc }[] = []
let turn = 0
/** Round robin over the instances; a refused connection goes to the next one, as nginx's proxy_next_upstream does. */
async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const first = turn++ % instances.length
  let answer: Answer = { status: 0, body: '', headers: {}, error: 'refused' }
  for (let i = 0; i < instances.length; i++) {
    answer = await once(instances[(first + i) % instances.length]!.port, method, path, headers, body === undefined ? undefined : JSON.stringify(body))
    if (answer.error !== 'refused') return answer
  }
  return answer
}
const callOn = (port: number, path: string, headers: Record<string, string>) => once(port, 'GET', path, headers)

// ---------------------------------------------------------------- the load

interface Phase {
  name: string
  requests: number
  unsafe: string[]
  bad5xx: Record<string, number>
  cut: number
  refused: number
  signIns: number
  labels: string[]
  statuses: Record<string, Record<number, number>>
}
const T0 = performance.now()
const clock = () => ((performance.now() - T0) / 1000).toFixed(1)
const newPhase = (name: string): Phase => ({ name, requests: 0, unsafe: [], bad5xx: {}, cut: 0, refused: 0, signIns: 0, labels: [], statuses: {} })

interface Actors {
  member: string
  memberEmail: string
  ended: string
  root: { cookie: string; csrf: string }
  targetUid: string
}

/** One request of the mix; what it must never answer is known in advance. */
async function step(a: Actors, phase: Phase, phaseIndex: number, i: number): Promise<void> {
  const kinds = ['allowed', 'anonymous', 'admin-path', 'ended', 'forward', 'forward-anonymous', 'forward-ended', 'allowed', 'sign-in', 'admin-write'] as const
  const kind = kinds[i % kinds.length]!
  const denied = { 'X-Fault-Denied': '1' }
  const started = performance.now()
  let answer: Answer
  let mustRefuse = false
  switch (kind) {
    case 'allowed':
      answer = await call('GET', ME, { Cookie: a.member })
      break
    case 'anonymous':
      mustRefuse = true
      answer = await call('GET', ME)
      break
    case 'admin-path':
      mustRefuse = true
      answer = await call('GET', ADMIN_PATH, { Cookie: a.member })
      break
    case 'ended':
      mustRefuse = true
      answer = await call('GET', ME, { Cookie: a.ended })
      break
    case 'forward':
      answer = await call('GET', FORWARD, { Cookie: a.member })
      break
    case 'forward-anonymous':
      mustRefuse = true
      answer = await call('GET', FORWARD, denied)
      break
    case 'forward-ended':
      mustRefuse = true
      answer = await call('GET', FORWARD, { Cookie: a.ended, ...denied })
      break
    case 'sign-in':
      // The phase is in the user agent: its activity rows and events are found by it afterwards.
      answer = await call('POST', '/api/v2/barong/identity/sessions', { 'User-Agent': `${UA} phase/${phaseIndex}` }, { email: a.memberEmail, password: PASSWORD })
      if (answer.status === 200) phase.signIns++
      break
    case 'admin-write': {
      const key = `f${phaseIndex}_${i}`
      answer = await call('POST', '/api/v2/barong/admin/users/labels', { Cookie: a.root.cookie, 'X-CSRF-Token': a.root.csrf }, { uid: a.targetUid, key, value: 'fault', scope: 'private' })
      if (answer.status === 201 || answer.status === 200) phase.labels.push(key)
      else if (process.env.FAULTS_VERBOSE && answer.status < 500) console.log(`    admin write ${answer.status}: ${answer.body.slice(0, 200)}`)
      break
    }
  }
  phase.requests++
  if (process.env.FAULTS_VERBOSE && performance.now() - started > 2000) console.log(`    slow ${kind}: ${answer.status}${answer.error ? ` (${answer.error})` : ''} after ${Math.round(performance.now() - started)} ms, at ${clock()} s`)
  const byKind = (phase.statuses[kind] ??= {})
  byKind[answer.status] = (byKind[answer.status] ?? 0) + 1
  if (answer.error === 'cut') {
    phase.cut++
    if (process.env.FAULTS_VERBOSE) console.log(`    cut off: ${kind} after ${Math.round(performance.now() - started)} ms, at ${clock()} s`)
  }
  if (answer.error === 'refused') phase.refused++
  if (mustRefuse && answer.status >= 200 && answer.status < 300) phase.unsafe.push(`${kind}: ${answer.status}`)
  if (answer.status >= 500 && ![502, 503, 504].includes(answer.status)) phase.bad5xx[`${kind} ${answer.status}`] = (phase.bad5xx[`${kind} ${answer.status}`] ?? 0) + 1
}

/** Runs the mix with CONCURRENCY loops until `stop()` is called. */
function load(a: Actors, phase: Phase, phaseIndex: number) {
  let running = true
  let i = 0
  const loops = Array.from({ length: CONCURRENCY }, async () => {
    while (running) await step(a, phase, phaseIndex, i++)
  })
  return async () => {
    running = false
    await Promise.all(loops)
  }
}

// ---------------------------------------------------------------- checks after each fault

/** Seconds from now until `ok()` holds (checked every 100 ms), or null after `withinS`. */
async function secondsUntil(ok: () => Promise<boolean>, withinS = 60): Promise<number | null> {
  const t0 = performance.now()
  while (performance.now() - t0 < withinS * 1000) {
    if (await ok().catch(() => false)) return +((performance.now() - t0) / 1000).toFixed(2)
    await sleep(100)
  }
  return null
}

/** Everything serves again: the session on every instance, forwarding, a sign-in, an admin read. */
const serving = (a: Actors) => async () => {
  for (const { port } of instances) {
    for (const [path, cookie] of [[ME, a.member], [FORWARD, a.member], ['/api/v2/barong/admin/users?limit=1', a.root.cookie]] as const) {
      const r = await callOn(port, path, { Cookie: cookie })
      if (r.status !== 200) {
        if (process.env.FAULTS_VERBOSE) console.log(`    not yet: ${port} ${path} ${r.status} ${r.body.slice(0, 100)}`)
        return false
      }
    }
  }
  return true
}

async function lostWrites(phase: Phase, phaseIndex: number) {
  const sql = db!
  // The relay publishes what waits in the outbox once the broker answers; give it time to.
  await secondsUntil(async () => Number((await sql`SELECT count(*)::int AS n FROM event_outbox WHERE sent_at IS NULL`)[0]!.n) === 0, 90)
  const ua = `${UA} phase/${phaseIndex}`
  const [logins] = await sql`SELECT count(*)::int AS n FROM activities WHERE topic = 'session' AND action = 'login' AND result = 'succeed' AND user_agent = ${ua}`
  const [sessionEvents] = await sql`SELECT count(*)::int AS n, count(sent_at)::int AS sent FROM event_outbox WHERE routing_key = 'session.create' AND payload->'record'->>'user_agent' = ${ua}`
  const keys = phase.labels
  const [labelRows] = await sql`SELECT count(*)::int AS n FROM labels WHERE key = ANY(${keys})`
  const [labelEvents] = await sql`SELECT count(*)::int AS n, count(sent_at)::int AS sent FROM event_outbox WHERE routing_key = 'label.created' AND payload->'record'->>'key' = ANY(${keys})`
  const expectedRows = phase.signIns + keys.length
  const foundRows = Math.min(logins!.n, phase.signIns) + Math.min(labelRows!.n, keys.length)
  const sentEvents = Math.min(sessionEvents!.sent, phase.signIns) + Math.min(labelEvents!.sent, keys.length)
  return { expectedRows, foundRows, expectedEvents: expectedRows, sentEvents }
}

// ---------------------------------------------------------------- the run

interface Fault {
  name: string
  /** Breaks the dependency; returns when it is broken. */
  break(): Promise<void>
  /** Brings it back; returns when it is back (recovery is timed from then). */
  restore(): Promise<void>
  /** How long it stays broken. */
  downS: number
}

const cleanups: (() => Promise<void> | void)[] = []
let cleaning: Promise<void> | undefined
async function cleanup() {
  cleaning ??= (async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`))
  })()
  await cleaning
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: putting everything back`)
    void cleanup().then(() => process.exit(130))
  })
}

async function signUpCookie(email: string): Promise<{ cookie: string; csrf: string; uid: string }> {
  const res = await call('POST', '/api/v2/barong/identity/users', {}, { email, password: PASSWORD })
  const m = /_barong_session=([^;]+)/.exec(String(res.headers['set-cookie'] ?? ''))
  if (res.status !== 201 || !m) throw new Error(`sign-up answered ${res.status}: ${res.body}`)
  const body = JSON.parse(res.body) as { uid: string; csrf_token: string }
  return { cookie: `_barong_session=${m[1]}`, csrf: body.csrf_token, uid: body.uid }
}

async function main() {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' })
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  await admin.unsafe(`CREATE DATABASE ${dbName}`)
  cleanups.push(async () => {
    await db?.end({ timeout: 1 })
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
    await admin.end({ timeout: 1 })
  })
  const dbUrl = PG.replace(/\/[^/]*$/, `/${dbName}`)
  const redis = ownRedis(await freePort())
  await redis.start()
  cleanups.push(() => redis.stop())
  const upstreamPort = await freePort()
  const upstream = sampleUpstream(upstreamPort)
  await upstream.start()
  cleanups.push(() => upstream.stop())
  writeFileSync(join(dataDir, 'upstreams.json'), JSON.stringify([{ prefix: '/api/v2/peatio', target: `http://127.0.0.1:${upstreamPort}` }]))

  const jwtKey = await runCli(['keys', 'generate'], {})
  const rootEmail = `root.${suffix}@example.com`
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl,
    REDIS_URL: redis.url,
    BARONG_EVENT_API: RABBIT,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    BARONG_JWT_PRIVATE_KEY: jwtKey.stdout.trim(),
    BARONG_SECRET_KEY: randomBytes(32).toString('hex'),
    BARONG_UPSTREAMS: join(dataDir, 'upstreams.json'),
    BARONG_LOGIN_MAX_ATTEMPTS: '10000',
    BARONG_LOGIN_IP_MAX_ATTEMPTS: '1000000',
    SHUTDOWN_TIMEOUT_MS: '10000',
  }
  for (const args of [['seed'], ['user', 'create', '--email', rootEmail, '--password', PASSWORD, '--role', 'superadmin', '--state', 'active']]) {
    const r = await runCli(args, env)
    if (r.code !== 0) throw new Error(`barong ${args.join(' ')}: ${r.stderr}`)
  }
  db = postgres(dbUrl, { max: 2, onnotice: () => {} })

  const startInstance = async (port: number) =>
    spawnNode(['--enable-source-maps', 'dist/main.js'], cleanEnv({ ...env, HOST: '127.0.0.1', PORT: String(port) }), async () => (await callOn(port, '/api/v2/barong/public/ping', {})).status === 200)
  instances = await Promise.all([freePort(), freePort()].map(async (p) => ({ port: await p })))
  for (const inst of instances) inst.proc = await startInstance(inst.port)
  cleanups.push(async () => {
    for (const inst of instances) await inst.proc?.stop()
  })

  // ---- the actors: a member, a session that was ended, the superadmin, a user whose labels the admin writes
  const memberEmail = `member.${suffix}@example.com`
  const member = await signUpCookie(memberEmail)
  const endedUser = await signUpCookie(`ended.${suffix}@example.com`)
  const out = await call('DELETE', '/api/v2/barong/identity/sessions', { Cookie: endedUser.cookie, 'X-CSRF-Token': endedUser.csrf })
  if (out.status !== 200) throw new Error(`logout answered ${out.status}`)
  const target = await signUpCookie(`target.${suffix}@example.com`)
  const signIn = await call('POST', '/api/v2/barong/identity/sessions', {}, { email: rootEmail, password: PASSWORD })
  const rootCookie = /_barong_session=([^;]+)/.exec(String(signIn.headers['set-cookie'] ?? ''))
  if (signIn.status !== 200 || !rootCookie) throw new Error(`superadmin sign-in answered ${signIn.status}: ${signIn.body}`)
  const actors: Actors = {
    member: member.cookie,
    memberEmail,
    ended: endedUser.cookie,
    root: { cookie: `_barong_session=${rootCookie[1]}`, csrf: (JSON.parse(signIn.body) as { csrf_token: string }).csrf_token },
    targetUid: target.uid,
  }
  if (!(await serving(actors)())) {
    const seen = await Promise.all(instances.flatMap(({ port }) => [ME, FORWARD, '/api/v2/barong/admin/users?limit=1'].map(async (p) => `${port}${p}: ${(await callOn(port, p, { Cookie: p.includes('admin') ? actors.root.cookie : actors.member })).status}`)))
    throw new Error(`the gateway does not serve the actors before any fault: ${seen.join(', ')}`)
  }

  let pgStopped = false
  let rabbitStopped = false
  cleanups.push(async () => {
    if (pgStopped) await pgctl('start')
    if (rabbitStopped) await rabbitctl('start_app')
  })
  const victim = instances[0]!
  const faults: Fault[] = [
    { name: 'Redis restarted', downS: 3, break: () => redis.stop(), restore: () => redis.start() },
    {
      name: 'PostgreSQL restarted',
      downS: 3,
      break: async () => {
        pgStopped = true
        await pgctl('stop')
      },
      restore: async () => {
        await pgctl('start')
        pgStopped = false
      },
    },
    {
      name: `RabbitMQ stopped ${RABBIT_DOWN_S} s`,
      downS: RABBIT_DOWN_S,
      break: async () => {
        rabbitStopped = true
        await rabbitctl('stop_app')
      },
      restore: async () => {
        await rabbitctl('start_app')
        rabbitStopped = false
      },
    },
    { name: 'upstream killed', downS: 5, break: () => upstream.stop(), restore: () => upstream.start() },
    {
      name: 'SIGTERM to one instance',
      downS: 0,
      // Its in-flight requests must finish; new ones go to the other instance (refused connections move on).
      break: async () => {
        await withTimeout(victim.proc!.stop(), 30_000, 'drain')
      },
      restore: async () => {
        victim.proc = await startInstance(victim.port)
      },
    },
  ]

  const rows: (string | number)[][] = []
  let failed = false
  console.log(`\nfaults: two instances on ${dbName}, Redis :${new URL(redis.url).port} (own, append-only), RabbitMQ, upstream :${upstreamPort}; ${CONCURRENCY} concurrent clients\n`)
  const only = process.env.FAULTS_ONLY?.split(',')
  for (const [index, fault] of faults.entries()) {
    if (only && !only.some((o) => fault.name.toLowerCase().includes(o.toLowerCase()))) continue
    const phase = newPhase(fault.name)
    const unsafeBefore = upstream.state.unsafe
    const stop = load(actors, phase, index)
    await sleep(STEADY_S * 1000)
    process.stdout.write(`  ${fault.name}: breaking at ${clock()} s … `)
    await fault.break()
    await sleep(fault.downS * 1000)
    process.stdout.write(`restoring at ${clock()} s … `)
    await fault.restore()
    const recovered = await secondsUntil(serving(actors), 60)
    for (const inst of instances) {
      if (inst.proc && inst.proc.child.exitCode !== null) throw new Error(`the instance on ${inst.port} exited (${inst.proc.child.exitCode}) during "${fault.name}": ${inst.proc.output().slice(-3000)}`)
    }
    await sleep(STEADY_S * 1000)
    await stop()
    const writes = await lostWrites(phase, index)
    const unsafe = phase.unsafe.length + (upstream.state.unsafe - unsafeBefore)
    const bad5xx = Object.values(phase.bad5xx).reduce((x, y) => x + y, 0)
    const lost = writes.expectedRows - writes.foundRows + (writes.expectedEvents - writes.sentEvents)
    console.log(`recovered in ${recovered ?? '>60'} s`)
    if (unsafe || bad5xx || lost || phase.cut || recovered === null || recovered > 5) failed = true
    if (phase.unsafe.length) console.log(`    unsafe: ${phase.unsafe.slice(0, 5).join('; ')}`)
    if (bad5xx) console.log(`    5xx: ${JSON.stringify(phase.bad5xx)}`)
    rows.push([fault.name, phase.requests, unsafe, bad5xx, phase.cut, `${writes.foundRows}/${writes.expectedRows}`, `${writes.sentEvents}/${writes.expectedEvents}`, recovered ?? '>60'])
    if (process.env.FAULTS_VERBOSE) console.log(JSON.stringify(phase.statuses))
  }
  console.log(`\n${table(['fault', 'requests', 'unsafe allows', '5xx not 502-504', 'cut off', 'rows found/expected', 'events sent/expected', 'recovered (s)'], rows)}`)
  console.log(`\nupstream: ${upstream.state.received} requests received, ${upstream.state.withoutJwt} without a JWT`)
  if (upstream.state.withoutJwt) failed = true
  console.log(failed ? '\nfaults: MISS (see above)' : '\nfaults: PASS: 0 unsafe allows, 0 lost writes, nothing cut off, recovered within 5 s of each return')
  return failed ? 1 : 0
}

main()
  .then(async (code) => {
    await cleanup()
    process.exit(code)
  })
  .catch(async (err: unknown) => {
    console.error(err)
    await cleanup()
    process.exit(1)
  })
