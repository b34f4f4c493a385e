import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import autocannon from 'autocannon'
import { ROOT } from '../test/helpers/spawn.ts'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
export const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS')

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(t))
}

/** Pins every thread of `pid` to one core (threads created later inherit it); false without taskset. */
export function pin(pid: number | undefined, core: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** The current CPU list of `pid` (taskset's text), or null. */
export function affinity(pid: number): string | null {
  try {
    return /: (.*)$/.exec(execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8' }).trim())?.[1] ?? null
  } catch {
    return null
  }
}

/** Sets the CPU list of every thread of `pid` back (see `affinity`). */
export function restoreAffinity(pid: number, cpus: string): void {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' })
  } catch {
    /* the process may be gone */
  }
}

/** The pid of a local redis-server listening on `port`, if one runs here (for pinning it during a run). */
export function localRedisPid(port: number): number | null {
  try {
    for (const pid of execFileSync('pgrep', ['-x', 'redis-server'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      if (cmd.includes(`:${port}`) || cmd.includes(`--port ${port}`)) return Number(pid)
    }
  } catch {
    /* no pgrep or no redis-server: leave it unpinned */
  }
  return null
}

/** VmRSS and VmHWM (peak) in MB, from /proc. */
export function memoryMb(pid: number | undefined): { rss: number; peak: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8')
    const mb = (k: string) => Math.round(Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1]) / 1024)
    return { rss: mb('VmRSS'), peak: mb('VmHWM') }
  } catch {
    return null
  }
}

/**
 * CPU time (ms) a process has used so far, split into its main thread and all its other threads (libuv's pool,
 * where Argon2 runs; V8's helpers), from /proc. Differences between two readings say where a run's time went.
 */
export function threadCpuMs(pid: number | undefined): { main: number; others: number } | null {
  try {
    const tick = 1000 / 100 // USER_HZ is 100 on Linux
    let main = 0
    let others = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      // Fields after the ")" that closes the name: utime and stime are the 12th and 13th.
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')
      const ms = (Number(f[11]) + Number(f[12])) * tick
      if (tid === String(pid)) main += ms
      else others += ms
    }
    return { main, others }
  } catch {
    return null
  }
}

export interface Proc { child: ChildProcess; output(): string; stop(): Promise<void> }

/** `node <args>` spawned directly (the pid is the server's, no npm/tsx wrapper); resolves once `ready()` says so. */
export async function spawnNode(args: string[], env: NodeJS.ProcessEnv, ready: (out: string) => Promise<boolean> | boolean, withinMs = 30_000): Promise<Proc> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await withTimeout(exited, 25_000, 'stop').catch(() => child.kill('SIGKILL'))
  }
  for (const deadline = Date.now() + withinMs; !(await ready(out)); await sleep(100)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`node ${args.join(' ')} did not become ready: ${out.slice(-2000)}`)
    }
  }
  return { child, output: () => out, stop }
}

export interface Row {
  name: string; rps: number; p50: number; mean: number; p99: number; non2xx: number; errors: number; statusCodes: Record<string, number>; total: number
  /** With `cpuOf`: the server's CPU ms per completed request in the measured run, main thread and other threads. */
  cpuMsPerReq?: { main: number; others: number }
}

/**
 * A 2 s warm-up (discarded), then the measured run; req/s = completed / elapsed (robust to a missed sample).
 * `cpuOf`: a server pid whose CPU time per request is read around the measured run.
 */
export async function measure(name: string, opts: autocannon.Options, durationS: number, warmupS = 2, cpuOf?: number): Promise<Row> {
  process.stdout.write(`  ${name}: warm-up ${warmupS}s, run ${durationS}s … `)
  await autocannon({ ...opts, duration: warmupS })
  const before = cpuOf ? threadCpuMs(cpuOf) : null
  const r = await autocannon({ ...opts, duration: durationS })
  const after = cpuOf ? threadCpuMs(cpuOf) : null
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, (v as { count: number }).count]))
  const per = (a: number, b: number) => +((a - b) / Math.max(1, r.requests.total)).toFixed(3)
  const cpuMsPerReq = before && after ? { main: per(after.main, before.main), others: per(after.others, before.others) } : undefined
  const row = { name, rps: Math.round(r.requests.total / r.duration), p50: r.latency.p50, mean: +r.latency.average.toFixed(2), p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, statusCodes, total: r.requests.total, ...(cpuMsPerReq ? { cpuMsPerReq } : {}) }
  console.log(`${row.rps} req/s`)
  return row
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows].map((r) => r.map(String))
  const w = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')
  return [line(cells[0]!), w.map((n) => '-'.repeat(n)).join('  '), ...cells.slice(1).map(line)].join('\n')
}
