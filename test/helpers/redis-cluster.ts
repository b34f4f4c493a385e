import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
export const REDIS_SERVER = '/usr/bin/redis-server'
export const haveRedisServer = existsSync(REDIS_SERVER) && existsSync('/usr/bin/redis-cli')

export interface RedisCluster {
  /** One redis:// URL per primary. */
  urls: string[]
  ports: number[]
  stop(): Promise<void>
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })

/** Three ports whose cluster-bus ports (+10000) are free too. */
async function clusterPorts(): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 9_000)
    const ports = [base, base + 1, base + 2]
    const free = await Promise.all(ports.flatMap((p) => [portFree(p), portFree(p + 10_000)]))
    if (free.every(Boolean)) return ports
  }
  throw new Error('no free ports for a Redis Cluster')
}

/**
 * A three-primary Redis Cluster on loopback from Debian's redis-server: nothing on disk but its node files in a
 * temporary directory, removed by stop().
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'barong-redis-cluster-'))
  const ports = await clusterPorts()
  const children: ChildProcess[] = ports.map((port) =>
    spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000', '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    ),
  )
  const stop = async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const cli = (port: number, ...args: string[]) => run('/usr/bin/redis-cli', ['-p', String(port), ...args], { timeout: 10_000 })
    for (const port of ports) await waitFor(async () => (await cli(port, 'ping')).stdout.trim() === 'PONG')
    await run('/usr/bin/redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 })
    for (const port of ports) await waitFor(async () => (await cli(port, 'cluster', 'info')).stdout.includes('cluster_state:ok'))
    return { urls: ports.map((p) => `redis://127.0.0.1:${p}`), ports, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

async function waitFor(check: () => Promise<boolean>, withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs
  for (;;) {
    try {
      if (await check()) return
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('Redis Cluster did not come up')
    await new Promise((r) => setTimeout(r, 100))
  }
}
