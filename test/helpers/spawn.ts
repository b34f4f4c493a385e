import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the barong CLI as a user would (`npx barong …` runs bin/barong.js). */
export function runCli(args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<RunResult> {
  return runNode([`${ROOT}bin/barong.js`, ...args], env, timeoutMs)
}

export function runNode(args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out: ${args.join(' ')}\n${stderr}`))
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** The parent's environment without the servers it points at, plus the given variables. */
export function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base = { ...process.env }
  for (const k of Object.keys(base)) if (k.startsWith('BARONG_') || k === 'DATABASE_URL' || k === 'REDIS_URL' || k === 'PORT' || k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete base[k]
  const out: NodeJS.ProcessEnv = { ...base }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v
  return out
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

export interface RunningServer {
  child: ChildProcess
  port: number
  base: string
  output(): string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/**
 * Starts the service with `node --import tsx src/main.ts` (what `npm start` runs) and waits for ping, with a generous
 * limit: a start is slow on a loaded machine, not wrong.
 */
export async function startServer(env: Record<string, string | undefined>, readyWithinMs = 90_000): Promise<RunningServer> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: cleanEnv({ HOST: '127.0.0.1', PORT: String(port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + readyWithinMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${out}`)
    try {
      const res = await fetch(`${base}/api/v2/barong/public/ping`)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`server did not answer ping within ${readyWithinMs} ms: ${out}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    child,
    port,
    base,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal)
      return exited
    },
  }
}
