import cluster from 'node:cluster'
import { buildApp } from './app.ts'
import { createHttpServer } from './server.ts'
import { ConfigError, loadConfig, type Config } from './config/index.ts'
import { closeDeps, createDeps, createLogger, startDeps } from './deps.ts'
import { seedFirstStart } from './first-start.ts'
import { SHUTDOWN } from './cluster/messages.ts'
import { runPrimary } from './cluster/primary.ts'
import { exitAfterFlush } from './util/exit.ts'

/** config → (BARONG_WORKERS > 1: a primary forking workers) → serve. */
async function main(): Promise<void> {
  const config = loadConfig()
  if (cluster.isPrimary && config.env.BARONG_WORKERS > 1) {
    runPrimary({ workers: config.env.BARONG_WORKERS, logger: createLogger(config.env.LOG_LEVEL), shutdownTimeoutMs: config.env.SHUTDOWN_TIMEOUT_MS })
    return
  }
  await serve(config)
}

/** deps → migrate → first-start seeds → listen → graceful shutdown. */
async function serve(config: Config): Promise<void> {
  const deps = await createDeps(config)
  const { logger } = deps
  await deps.dbHandle.migrate()
  await seedFirstStart(deps)
  await startDeps(deps)
  const { app, readiness } = buildApp(deps)
  const env = config.env

  const { server: http, authz, closeUpgrades } = createHttpServer(deps, app)
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(env.PORT, env.HOST, () => resolve())
  })
  if (authz) {
    await new Promise<void>((resolve, reject) => {
      authz.once('error', reject)
      authz.listen(env.BARONG_AUTHZ_PORT, env.BARONG_AUTHZ_HOST ?? env.HOST, () => resolve())
    })
    logger.info({ host: env.BARONG_AUTHZ_HOST ?? env.HOST, port: env.BARONG_AUTHZ_PORT }, 'authorization endpoint listening')
  }
  const address = http.address()
  logger.info(
    {
      host: env.HOST,
      port: typeof address === 'object' && address ? address.port : env.PORT,
      database: deps.dbHandle.kind,
      store: deps.store.kind,
      kid: deps.keys.kid,
    },
    'listening',
  )

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now')
      exitAfterFlush(logger, 1)
      return
    }
    stopping = true
    readiness.draining = true
    logger.info({ signal }, 'shutting down')
    closeUpgrades() // tunnelled WebSockets are long-lived: clients reconnect elsewhere
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline reached: closing remaining connections')
      http.closeAllConnections()
      authz?.closeAllConnections()
    }, env.SHUTDOWN_TIMEOUT_MS)
    deadline.unref()
    await Promise.all(
      [http, authz].map(
        (s) =>
          s &&
          new Promise<void>((resolve) => {
            s.close(() => resolve())
            s.closeIdleConnections()
          }),
      ),
    )
    clearTimeout(deadline)
    await closeDeps(deps)
    logger.info('stopped')
    exitAfterFlush(logger, 0)
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  if (cluster.isWorker) {
    // Under a primary, it decides when to stop (a terminal's Ctrl-C reaches every process of the group at once).
    process.on('SIGINT', () => {})
    process.on('message', (m: unknown) => {
      if (m === SHUTDOWN) void shutdown('primary')
    })
    // The primary is gone (killed): nobody would replace or stop this worker.
    process.on('disconnect', () => void shutdown('primary exited'))
  } else {
    process.on('SIGINT', () => void shutdown('SIGINT'))
  }
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : `failed to start: ${(err as Error)?.message ?? String(err)}`
  process.stderr.write(`${message}\n`)
  process.exit(1)
})
