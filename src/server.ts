import { createServer, type Server } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import { authzListener, frontListener } from './gateway/front.ts'
import { gateDeps } from './authz/middleware.ts'
import { attachUpgrade } from './gateway/proxy.ts'
import type { Deps } from './deps.ts'
import type { AppEnv } from './http/env.ts'

export interface HttpServer {
  server: Server
  /** The BARONG_AUTHZ_PORT listener (`/api/v2/auth` only), when configured; not yet listening. */
  authz: Server | undefined
  /** Ends tunnelled WebSockets (they would keep `server.close()` waiting). */
  closeUpgrades(): void
}

/**
 * The listening server: the gateway's fast paths (authorization endpoint, forwarding) on Node's own
 * request/response, the Hono app for the rest, WebSocket forwarding on `upgrade`, bounded client waits.
 */
export function createHttpServer(deps: Deps, app: Hono<AppEnv>): HttpServer {
  const g = gateDeps(deps)
  const server = createServer(frontListener(deps, g, getRequestListener(app.fetch)))
  // Bounded waits against slow clients (slowloris, trickled bodies).
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  server.keepAliveTimeout = 5_000
  const upgrades = attachUpgrade(server, deps, g)
  let authz: Server | undefined
  if (deps.config.env.BARONG_AUTHZ_PORT !== undefined) {
    authz = createServer(authzListener(deps, g))
    authz.headersTimeout = server.headersTimeout
    authz.requestTimeout = server.requestTimeout
    authz.keepAliveTimeout = server.keepAliveTimeout
  }
  return { server, authz, closeUpgrades: () => upgrades.closeAll() }
}
