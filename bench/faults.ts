/**
 * `npm run faults`: the service under steady load while the things it depends on fail, one at a time (README
 * "Operations"). Two instances of the compiled build run on the machine's PostgreSQL and RabbitMQ and on a
 * redis-server of the harness's own (persistent, as a production Redis holding sessions is; restarting the
 * machine's would empty it for everyone). Everything is on loopback; whatever a fault stops is started again,
 * also when the run is interrupted.
 *
 * Per fault it prints the requests made, unsafe allows (a request that must be refused answered 200, or reaching
 * the upstream), 5xx other than 502/503/504, requests cut off mid-way, lost writes (every sign-in and admin write
 * answered as done must have its row and its event, and the event must leave the outbox), and the seconds from the
 * dependency's return until the gateway serves everything again, until events are published again, and until
 * what waited in the outbox has gone out.
 */
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import type postgres from 'postgres'
import { sleep, table, withTimeout } from './lib.ts'
import { clock, load, newPhase, type Phase } from './mixed-load.ts'
import { FORWARD, ME, UA, callOn, cleanups, runHarness, startStack, type Actors, type Instance } from './stack.ts'

const PG_CLUSTER = process.env.FAULTS_PG_CLUSTER ?? execFileSync('ls', ['/etc/postgresql'], { encoding: 'utf8' }).trim().split('\n')[0]!
const RABBIT_DOWN_S = Number(process.env.FAULTS_RABBIT_DOWN_S ?? 30)
const STEADY_S = Number(process.env.FAULTS_STEADY_S ?? 5)
let db: postgres.Sql | undefined
let instances: Instance[] = []

// Asynchronous: the load must keep running (and be timed) while they work.
const exec = promisify(execFile)
const pgctl = (action: 'start' | 'stop') => exec('pg_ctlcluster', ['--skip-systemctl-redirect', PG_CLUSTER, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])])
const rabbitctl = (action: 'stop_app' | 'start_app') => exec('rabbitmqctl', [action], { timeout: 120_000 })

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

/** An event was published after `since`: the relay reaches the broker again. */
const eventsFlowing = (since: Date) => async () => Number((await db!`SELECT count(*)::int AS n FROM event_outbox WHERE sent_at > ${since}`)[0]!.n) > 0

/** No unsent event is older than a second: what waited during the fault has gone out. */
const backlogDrained = async () => {
  const [row] = await db!`SELECT count(*)::int AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS age FROM event_outbox WHERE sent_at IS NULL`
  if (process.env.FAULTS_VERBOSE) console.log(`    outbox at ${clock()} s: ${row!.n} unsent, oldest ${Number(row!.age).toFixed(1)} s`)
  return Number(row!.age) < 1
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

async function main() {
  const stack = await startStack(2)
  const { redis, upstream, startInstance, actors } = stack
  db = stack.db
  instances = stack.instances
  if (!(await serving(actors)())) {
    const seen = await Promise.all(instances.flatMap(({ port }) => [ME, FORWARD, '/api/v2/barong/admin/users?limit=1'].map(async (p) => `${port}${p}: ${(await callOn(port, p, { Cookie: p.includes('admin') ? actors.root.cookie : actors.member })).status}`)))
    throw new Error(`the gateway does not serve the actors before any fault: ${seen.join(', ')}`)
  }

  /** A machine service stopped and started again; still stopped at cleanup (an interrupted run): started. */
  const machineService = (name: string, downS: number, stop: () => Promise<unknown>, start: () => Promise<unknown>): Fault => {
    let stopped = false
    cleanups.push(async () => {
      if (stopped) await start()
    })
    return {
      name,
      downS,
      break: async () => {
        stopped = true
        await stop()
      },
      restore: async () => {
        await start()
        stopped = false
      },
    }
  }
  const victim = instances[0]!
  const faults: Fault[] = [
    { name: 'Redis restarted', downS: 3, break: () => redis.stop(), restore: () => redis.start() },
    machineService('PostgreSQL restarted', 3, () => pgctl('stop'), () => pgctl('start')),
    machineService(`RabbitMQ stopped ${RABBIT_DOWN_S} s`, RABBIT_DOWN_S, () => rabbitctl('stop_app'), () => rabbitctl('start_app')),
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
  console.log(`\nfaults: two instances on ${stack.dbName}, Redis :${new URL(redis.url).port} (own, append-only), RabbitMQ, a sample upstream; 8 concurrent clients\n`)
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
    // Serving again, events published again, and the backlog gone, each timed from the return.
    const back = new Date()
    const [recovered, flowing, drained] = await Promise.all([secondsUntil(serving(actors), 60), secondsUntil(eventsFlowing(back), 90), secondsUntil(backlogDrained, 120)])
    for (const inst of instances) {
      if (inst.proc && inst.proc.child.exitCode !== null) throw new Error(`the instance on ${inst.port} exited (${inst.proc.child.exitCode}) during "${fault.name}": ${inst.proc.output().slice(-3000)}`)
    }
    await sleep(STEADY_S * 1000)
    await stop()
    const writes = await lostWrites(phase, index)
    const unsafe = phase.unsafe.length + (upstream.state.unsafe - unsafeBefore)
    const bad5xx = Object.values(phase.bad5xx).reduce((x, y) => x + y, 0)
    const lost = writes.expectedRows - writes.foundRows + (writes.expectedEvents - writes.sentEvents)
    console.log(`serving in ${recovered ?? '>60'} s, events flowing in ${flowing ?? '>90'} s, backlog drained in ${drained ?? '>120'} s`)
    if (unsafe || bad5xx || lost || phase.cut || recovered === null || recovered > 5 || flowing === null || flowing > 5 || drained === null) failed = true
    if (phase.unsafe.length) console.log(`    unsafe: ${phase.unsafe.slice(0, 5).join('; ')}`)
    if (bad5xx) console.log(`    5xx: ${JSON.stringify(phase.bad5xx)}`)
    rows.push([fault.name, phase.requests, unsafe, bad5xx, phase.cut, `${writes.foundRows}/${writes.expectedRows}`, `${writes.sentEvents}/${writes.expectedEvents}`, recovered ?? '>60', flowing ?? '>90', drained ?? '>120'])
    if (process.env.FAULTS_VERBOSE) console.log(JSON.stringify(phase.statuses))
  }
  console.log(`\n${table(['fault', 'requests', 'unsafe allows', '5xx not 502-504', 'cut off', 'rows found/expected', 'events sent/expected', 'serving again (s)', 'events flowing (s)', 'backlog drained (s)'], rows)}`)
  console.log(`\nupstream: ${upstream.state.received} requests received, ${upstream.state.withoutJwt} without a JWT`)
  if (upstream.state.withoutJwt) failed = true
  console.log(failed ? '\nfaults: MISS (see above)' : '\nfaults: PASS: 0 unsafe allows, 0 lost writes, nothing cut off, serving and publishing again within 5 s of each return')
  return failed ? 1 : 0
}

runHarness(main)
