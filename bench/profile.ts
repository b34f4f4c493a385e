import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { table } from './lib.ts'

interface Node { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }

/** Self time of the gateway's .cpuprofile files (BENCH_PROFILE=1) by function and by package / source folder. */
export function summarizeProfiles(dir: string, top = 15): string {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
  } catch {
    return `no profile in ${dir}`
  }
  const byFn = new Map<string, number>()
  const byArea = new Map<string, number>()
  let busy = 0
  for (const f of files) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nodes: Node[]; startTime: number; endTime: number; samples: number[] }
    const usPerSample = (p.endTime - p.startTime) / Math.max(1, p.samples.length)
    for (const n of p.nodes) {
      const { functionName, url, lineNumber } = n.callFrame
      if (!n.hitCount || functionName === '(idle)') continue
      const ms = (n.hitCount * usPerSample) / 1000
      const file = url.replace(/^file:\/\/.*?\/(node_modules|src|bench|test)\//, '$1/')
      const area = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? /^src\/[^/]+/.exec(file)?.[0] ?? (url.startsWith('node:') ? 'node: internals' : functionName.startsWith('(') ? functionName : 'native / V8')
      const key = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim()
      byFn.set(key, (byFn.get(key) ?? 0) + ms)
      byArea.set(area, (byArea.get(area) ?? 0) + ms)
      busy += ms
    }
  }
  const rows = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, ms]) => [k.slice(0, 110), Math.round(ms), `${((100 * ms) / busy).toFixed(1)}%`])
  return [`== gateway CPU profile (${files.length} file(s), ${Math.round(busy)} ms busy, self time) ==`, table(['area', 'ms', 'share'], rows(byArea)), '', table(['function', 'ms', 'share'], rows(byFn))].join('\n')
}
