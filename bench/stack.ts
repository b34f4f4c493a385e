/**
 * What `npm run faults` and `npm run soak` run against: a fresh database on the machine's PostgreSQL, a redis-server
 * of their own (append-only: a restart keeps the sessions, as a production Redis holding them does; restarting the
 * machine's would empty it for everyone), the machine's RabbitMQ, a sample upstream behind the gateway's forwarding,
 * instances of the compiled build, and the actors the load uses. Everything is on loopback; `cleanup()` stops and
 * removes what was started, also when the run is interrupted.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { ROOT, cleanEnv, freePort, runCli } from '../test/helpers/spawn.ts'
import { sleep, spawnNode, type Proc } from './lib.ts'

const PG = process.env.FAULTS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const RABBIT = process.env.FAULTS_RABBIT_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
export const PASSWORD = 'Kal31ewwqXrew'
export const UA = 'Mozilla/5.0 (X11; Linux x86_64) BarongFaults/1.0'
export const ME = '/api/v2/auth/api/v2/barong/resource/users/me'
export const ADMIN_PATH = '/api/v2/auth/api/v2/barong/admin/users'
export const FORWARD = '/api/v2/peatio/account/balances'

/** A redis-server of our own with an append-only file: a restart keeps the sessions, as in production. */
function ownRedis(port: number, dir: string) {
  let child: ChildProcess | undefined
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--appenddirname', 'redis', '--save', ''], { stdio: 'ignore' })
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

export interface Answer {
  status: number
  body: string
  headers: Record<string, string | string[] | undefined>
  /** 'refused': no instance took the connection; 'cut': a request the service took and never answered. */
  error?: 'refused' | 'cut'
}

// Content-Length is set by hand: node:http sends a DELETE body with neither a length nor chunked framing.
export function once(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve) => {
    let sent = false
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, timeout: 10_000, headers: { 'User-Agent': UA, ...headers, ...(body && { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }) } }, (res) => {
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

export interface Instance {
  port: number
  proc?: Proc
}
const instances: Instance[] = []
let turn = 0
/** Round robin over the instances; a refused connection goes to the next one, as nginx's proxy_next_upstream does. */
export async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const first = turn++ % instances.length
  let answer: Answer = { status: 0, body: '', headers: {}, error: 'refused' }
  for (let i = 0; i < instances.length; i++) {
    answer = await once(instances[(first + i) % instances.length]!.port, method, path, headers, body === undefined ? undefined : JSON.stringify(body))
    if (answer.error !== 'refused') return answer
  }
  return answer
}
export const callOn = (port: number, path: string, headers: Record<string, string>) => once(port, 'GET', path, headers)

// ---------------------------------------------------------------- cleanup

export const cleanups: (() => Promise<void> | void)[] = []
let cleaning: Promise<void> | undefined
export async function cleanup() {
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

export interface Actors {
  member: string
  memberEmail: string
  ended: string
  root: { cookie: string; csrf: string }
  targetUid: string
}

export interface Stack {
  db: postgres.Sql
  dbName: string
  redis: ReturnType<typeof ownRedis>
  upstream: ReturnType<typeof sampleUpstream>
  instances: Instance[]
  startInstance(port: number): Promise<Proc>
  actors: Actors
}

/** Builds, then starts everything with `count` gateway instances (given `nodeFlags`) and signs the actors up. */
export async function startStack(count: number, nodeFlags: string[] = []): Promise<Stack> {
  const suffix = randomBytes(4).toString('hex')
  const dbName = `faults_${suffix}`
  const dataDir = mkdtempSync(join(tmpdir(), 'barong-faults-'))
  const admin = postgres(PG, { max: 1, onnotice: () => {} })
  let db: postgres.Sql | undefined
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' })
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
  await admin.unsafe(`CREATE DATABASE ${dbName}`)
  cleanups.push(async () => {
    await db?.end({ timeout: 1 })
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
    await admin.end({ timeout: 1 })
  })
  const dbUrl = PG.replace(/\/[^/]*$/, `/${dbName}`)
  const redis = ownRedis(await freePort(), dataDir)
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
    spawnNode(['--enable-source-maps', ...nodeFlags, 'dist/main.js'], cleanEnv({ ...env, HOST: '127.0.0.1', PORT: String(port) }), async () => (await callOn(port, '/api/v2/barong/public/ping', {})).status === 200)
  for (let i = 0; i < count; i++) instances.push({ port: await freePort() })
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
  return { db, dbName, redis, upstream, instances, startInstance, actors }
}

/** Runs a harness's main, then puts everything back and exits with its code (1 when it threw). */
export function runHarness(main: () => Promise<number>): void {
  main()
    .catch((err: unknown) => {
      console.error(err)
      return 1
    })
    .then(async (code) => {
      await cleanup()
      process.exit(code)
    })
}
