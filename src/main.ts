import { serve, type ServerType } from '@hono/node-server'
import type { Server } from 'node:http'
import { buildApp } from './app.ts'
import { gateDeps } from './authz/middleware.ts'
import { attachUpgrade } from './authz/proxy.ts'
import { ConfigError, loadConfig } from './config/index.ts'
import { closeDeps, createDeps, startDeps } from './deps.ts'

/** config → deps → migrate → serve → graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfig()
  const deps = await createDeps(config)
  const { logger } = deps
  await deps.dbHandle.migrate()
  await startDeps(deps)
  const { app, readiness } = buildApp(deps)
  const env = config.env

  const server: ServerType = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
    logger.info(
      { host: info.address, port: info.port, database: deps.dbHandle.kind, store: deps.store.kind, kid: deps.keys.kid },
      'listening',
    )
  })
  const http = server as Server
  // Bounded waits against slow clients (slowloris, trickled bodies).
  http.headersTimeout = 10_000
  http.requestTimeout = 30_000
  http.keepAliveTimeout = 5_000
  // WebSocket forwarding for BARONG_UPSTREAMS routes (no listener at all without WebSocket routes).
  const upgrades = attachUpgrade(http, deps, gateDeps(deps))

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now')
      process.exit(1)
    }
    stopping = true
    readiness.draining = true
    logger.info({ signal }, 'shutting down')
    upgrades.closeAll() // tunnelled WebSockets are long-lived: clients reconnect elsewhere
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline reached: closing remaining connections')
      http.closeAllConnections()
    }, env.SHUTDOWN_TIMEOUT_MS)
    deadline.unref()
    await new Promise<void>((resolve) => {
      http.close(() => resolve())
      http.closeIdleConnections()
    })
    clearTimeout(deadline)
    await closeDeps(deps)
    logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : `failed to start: ${(err as Error)?.message ?? String(err)}`
  process.stderr.write(`${message}\n`)
  process.exit(1)
})
