import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry } from 'prom-client'
import type { Logger } from 'pino'
import { METRICS_REPLY, METRICS_REQUEST, SHUTDOWN, isMessage, type MetricsReply, type MetricsRequest } from './messages.ts'
import { exitAfterFlush } from '../util/exit.ts'

export interface PrimaryOptions {
  workers: number
  logger: Logger
  /** Each worker's own drain limit; the primary waits this long plus a margin before killing stragglers. */
  shutdownTimeoutMs: number
}

/**
 * The primary of BARONG_WORKERS > 1. It serves nothing itself: it starts one worker first (which migrates and
 * loads the first-start seeds before any other process touches the database), then the others once that one
 * listens; replaces a worker that dies while serving; gathers `/metrics` across workers; and on SIGTERM or SIGINT
 * asks every worker to drain, exiting when all have.
 */
export function runPrimary(opts: PrimaryOptions): void {
  const { logger } = opts
  const aggregator = new AggregatorRegistry()
  let started = false
  let stopping = false
  let lastRestart = 0

  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)

  cluster.on('listening', () => {
    if (started) return
    started = true
    for (let i = 1; i < opts.workers; i++) cluster.fork()
    logger.info({ workers: opts.workers }, 'workers started')
  })

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (live().length === 0) {
        logger.info('stopped')
        exitAfterFlush(logger, 0)
      }
      return
    }
    if (!started) {
      // The first worker could not start (its reason is on stderr): starting more would fail the same way.
      logger.error({ code, signal }, 'the first worker did not start')
      process.exit(code || 1)
    }
    // At most one replacement a second, so a worker that dies at once does not spin the host.
    const delay = Math.max(0, lastRestart + 1000 - Date.now())
    lastRestart = Date.now() + delay
    logger.error({ pid: worker.process.pid, code, signal }, 'worker exited: starting another')
    // Not unref'd: with every worker gone, this timer is what keeps the primary alive to start the next.
    setTimeout(() => {
      if (!stopping) cluster.fork()
    }, delay)
  })

  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, METRICS_REQUEST)) return
    const reply = (text: string | null) => {
      const m: MetricsReply = { type: METRICS_REPLY, id: message.id, text }
      if (worker.isConnected()) worker.send(m)
    }
    aggregator.clusterMetrics().then(reply, (err: unknown) => {
      logger.warn({ err: (err as Error).message }, 'metrics: not every worker answered')
      reply(null)
    })
  })

  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: stopping workers now')
      for (const w of live()) w.process.kill('SIGKILL')
      process.exit(1)
    }
    stopping = true
    logger.info({ signal, workers: live().length }, 'shutting down')
    if (live().length === 0) process.exit(0)
    for (const w of live()) if (w.isConnected()) w.send(SHUTDOWN)
    setTimeout(() => {
      logger.error('workers did not drain in time: killing them')
      for (const w of live()) w.process.kill('SIGKILL')
    }, opts.shutdownTimeoutMs + 5000).unref()
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))

  cluster.fork()
}
