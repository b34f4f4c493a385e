/**
 * `npm run soak -- --minutes 10`: the mixed load of `npm run faults` (allowed and refused requests, forwarding,
 * sign-ins and sign-outs, admin writes and their removal) on one instance for a while, with its memory and open handles read from
 * /metrics every 10 s. After the warm-up (the first fifth of the run, at least a minute) the heap must not grow by
 * more than 10 %: the lowest heap of the last window (what survives collection) against that of the first.
 */
import { parseArgs } from 'node:util'
import { sleep, table } from './lib.ts'
import { load, newPhase } from './mixed-load.ts'
import { callOn, runHarness, startStack } from './stack.ts'

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

async function main(): Promise<number> {
  const stack = await startStack(1)
  const port = stack.instances[0]!.port
  const pid = stack.instances[0]!.proc!.child.pid
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
  console.log(`\nsoak: ${MINUTES} min of mixed load on one instance (pid ${pid}), sampled every ${SAMPLE_S} s\n`)
  const phase = newPhase('soak', true)
  const t0 = performance.now()
  const samples: Sample[] = [await sample(0)]
  const stop = load(stack.actors, phase, 0)
  while (performance.now() - t0 < MINUTES * 60_000) {
    await sleep(SAMPLE_S * 1000)
    const s = await sample(Math.round((performance.now() - t0) / 1000))
    samples.push(s)
    process.stdout.write(`  ${s.at} s: ${phase.requests} requests, RSS ${mb(s.rss)} MB, heap ${mb(s.heap)} MB, ${s.handles} handles\n`)
  }
  await stop()
  const end = await sample(Math.round((performance.now() - t0) / 1000))
  samples.push(end)

  const warmS = Math.max(60, (MINUTES * 60) / 5)
  const measured = samples.filter((s) => s.at >= warmS)
  const window = Math.max(1, Math.floor(measured.length / 4))
  const first = measured.slice(0, window)
  const last = measured.slice(-window)
  const low = (xs: Sample[]) => Math.min(...xs.map((s) => s.heap))
  const growth = measured.length >= 2 ? (low(last) - low(first)) / low(first) : NaN
  const start = samples[0]!
  console.log(
    `\n${table(
      ['', 'RSS MB', 'heap used MB', 'active handles', 'event loop p99 ms'],
      [
        ['start', mb(start.rss), mb(start.heap), start.handles, +(start.lagP99 * 1000).toFixed(1)],
        [`after warm-up (${warmS} s)`, mb(measured[0]?.rss ?? NaN), mb(measured[0]?.heap ?? NaN), measured[0]?.handles ?? NaN, +((measured[0]?.lagP99 ?? NaN) * 1000).toFixed(1)],
        ['end', mb(end.rss), mb(end.heap), end.handles, +(end.lagP99 * 1000).toFixed(1)],
      ],
    )}`,
  )
  const unsafe = phase.unsafe.length
  const bad5xx = Object.values(phase.bad5xx).reduce((a, b) => a + b, 0)
  console.log(`\n${phase.requests} requests (${Math.round(phase.requests / ((end.at || 1) as number))}/s), ${phase.signIns} sign-ins, ${phase.labels.length} admin writes; unsafe allows ${unsafe}, 5xx ${bad5xx}, cut off ${phase.cut}`)
  console.log(`heap growth after warm-up (lowest of the last ${window} samples against the first ${window}): ${(growth * 100).toFixed(1)} %`)
  const ok = growth < 0.1 && unsafe === 0 && bad5xx === 0 && phase.cut === 0
  console.log(ok ? 'soak: PASS' : 'soak: MISS')
  return ok ? 0 : 1
}

runHarness(main)
