import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { createDeferredWork } from './deferred-work.ts'

const capture = () => {
  const lines: Array<Record<string, unknown>> = []
  return { lines, logger: pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) }) }
}

describe('deferred work', () => {
  it('runs jobs after the caller goes on, one at a time, in order; settled waits for all of them', async () => {
    const { logger } = capture()
    const work = createDeferredWork(logger)
    const log: string[] = []
    let running = 0
    let overlap = false
    for (const name of ['a', 'b', 'c']) {
      work.defer(name, async () => {
        overlap ||= running > 0
        running++
        await new Promise((r) => setImmediate(r))
        log.push(name)
        running--
      })
    }
    log.push('answered')
    await work.settled()
    expect(log).toEqual(['answered', 'a', 'b', 'c'])
    expect(overlap).toBe(false)
  })

  it('a failing job is logged by name and the next ones still run', async () => {
    const { logger, lines } = capture()
    const work = createDeferredWork(logger)
    const done: string[] = []
    work.defer('broken', async () => {
      throw new Error('db away')
    })
    work.defer('fine', async () => void done.push('fine'))
    await work.settled()
    expect(done).toEqual(['fine'])
    expect(lines).toMatchObject([{ job: 'broken', err: 'db away', msg: 'deferred job failed' }])
  })

  it('beyond the cap a job is dropped with a warning, not queued', async () => {
    const { logger, lines } = capture()
    const work = createDeferredWork(logger, 2)
    const ran: number[] = []
    for (let i = 0; i < 4; i++) work.defer(`job${i}`, async () => void ran.push(i))
    await work.settled()
    expect(ran).toEqual([0, 1])
    expect(lines.filter((l) => l.msg === 'deferred work queue full: job dropped').map((l) => l.job)).toEqual(['job2', 'job3'])
    work.defer('later', async () => void ran.push(9))
    await work.settled()
    expect(ran).toEqual([0, 1, 9])
  })
})
