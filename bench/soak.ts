/**
 * `npm run soak -- --minutes 10`: the mixed load of `npm run faults` (allowed and refused requests, forwarding,
 * sign-ins and sign-outs, admin writes and their removal) on one instance for a while, with its memory and open
 * handles read from /metrics every 10 s. What must not grow is the live heap: it is measured from two heap
 * snapshots (each taken after a full collection), one when the warm-up ends (the first fifth of the run, at least
 * a minute) and one at the end; it may grow by less than 10 %. The sampled "heap used" includes garbage not yet
 * collected, so it swings with the collector and says little about what is kept.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sleep, table } from './lib.ts'
import { load, newPhase } from './mixed-load.ts'
import { callOn, cleanups, runHarness, startStack } from './stack.ts'

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' } } })
const MINUTES = Number(values.minutes)
if (!(MINUTES > 0)) throw new Error('--minutes must be a positive number')
const SAMPLE_S = 10

const series = (text: string, name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? NaN)
const mb = (bytes: number) => +(bytes / 1048576).toFixed(1)

interface Sample {
  at: number
  rss: number
  heap: number
  handles: number
  lagP99: number
}

/** Asks the instance for a heap snapshot (SIGUSR2) and returns the bytes of everything live in it. */
async function liveHeap(pid: number, dir: string): Promise<number> {
  const before = new Set(readdirSync(dir))
  process.kill(pid, 'SIGUSR2')
  for (let i = 0; i < 600; i++) {
    await sleep(200)
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f))
    if (!file) continue
    const path = join(dir, file)
    const size = statSync(path).size
    await sleep(500)
    if (statSync(path).size !== size) continue
    try {
      const snap = JSON.parse(readFileSync(path, 'utf8')) as { snapshot: { meta: { node_fields: string[] } }; nodes: number[] }
      const fields = snap.snapshot.meta.node_fields
      const width = fields.length
      const self = fields.indexOf('self_size')
      let total = 0
      for (let n = self; n < snap.nodes.length; n += width) total += snap.nodes[n]!
      rmSync(path)
      return total
    } catch {
      // still being written
    }
  }
  throw new Error('no heap snapshot appeared')
}

async function main(): Promise<number> {
  const snapshots = mkdtempSync(join(tmpdir(), 'barong-soak-'))
  cleanups.push(() => rmSync(snapshots, { recursive: true, force: true }))
  // SOAK_NODE_FLAGS: more flags for the instance, e.g. `--cpu-prof --cpu-prof-dir=DIR` to see where time goes.
  const extra = process.env.SOAK_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []
  const stack = await startStack(1, ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshots}`, ...extra])
  const port = stack.instances[0]!.port
  const pid = stack.instances[0]!.proc!.child.pid!
  const sample = async (at: number): Promise<Sample> => {
    const text = (await callOn(port, '/metrics', {})).body
    return {
      at,
      rss: series(text, 'process_resident_memory_bytes'),
      heap: series(text, 'nodejs_heap_size_used_bytes'),
      handles: series(text, 'nodejs_active_handles_total'),
      lagP99: series(text, 'nodejs_eventloop_lag_p99_seconds'),
    }
  }
  const warmS = Math.max(60, (MINUTES * 60) / 5)
  console.log(`\nsoak: ${MINUTES} min of mixed load on one instance (pid ${pid}), sampled every ${SAMPLE_S} s, live heap at ${warmS} s and at the end\n`)
  const phase = newPhase('soak', true)
  const t0 = performance.now()
  const samples: Sample[] = [await sample(0)]
  const stop = load(stack.actors, phase, 0)
  let liveAfterWarmUp: number | undefined
  while (performance.now() - t0 < MINUTES * 60_000) {
    await sleep(SAMPLE_S * 1000)
    const s = await sample(Math.round((performance.now() - t0) / 1000))
    samples.push(s)
    process.stdout.write(`  ${s.at} s: ${phase.requests} requests, RSS ${mb(s.rss)} MB, heap used ${mb(s.heap)} MB, ${s.handles} handles\n`)
    if (liveAfterWarmUp === undefined && s.at >= warmS) {
      liveAfterWarmUp = await liveHeap(pid, snapshots)
      console.log(`  live heap after warm-up: ${mb(liveAfterWarmUp)} MB`)
    }
  }
  const liveAtEnd = await liveHeap(pid, snapshots)
  await stop()
  const end = await sample(Math.round((performance.now() - t0) / 1000))
  samples.push(end)

  const afterWarmUp = samples.find((s) => s.at >= warmS)
  const row = (name: string, s: Sample | undefined, live?: number) => [name, mb(s?.rss ?? NaN), mb(s?.heap ?? NaN), live === undefined ? '' : mb(live), s?.handles ?? NaN, +((s?.lagP99 ?? NaN) * 1000).toFixed(1)]
  console.log(`\n${table(['', 'RSS MB', 'heap used MB', 'live heap MB', 'active handles', 'event loop p99 ms'], [row('start', samples[0]), row(`after warm-up (${warmS} s)`, afterWarmUp, liveAfterWarmUp), row('end', end, liveAtEnd)])}`)
  const unsafe = phase.unsafe.length
  const bad5xx = Object.values(phase.bad5xx).reduce((a, b) => a + b, 0)
  const growth = liveAfterWarmUp ? (liveAtEnd - liveAfterWarmUp) / liveAfterWarmUp : NaN
  console.log(`\n${phase.requests} requests (${Math.round(phase.requests / (end.at || 1))}/s), ${phase.signIns} sign-ins, ${phase.labels.length} admin writes; unsafe allows ${unsafe}, 5xx ${bad5xx}, cut off ${phase.cut}`)
  console.log(`statuses by request kind: ${JSON.stringify(phase.statuses)}`)
  console.log(`live heap growth after warm-up: ${(growth * 100).toFixed(1)} %`)
  const ok = growth < 0.1 && unsafe === 0 && bad5xx === 0 && phase.cut === 0
  console.log(ok ? 'soak: PASS' : 'soak: MISS')
  return ok ? 0 : 1
}

runHarness(main)
