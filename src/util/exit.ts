import type { Logger } from 'pino'

/**
 * Exits once pino has written what it holds. pino writes asynchronously, and a line still buffered at
 * `process.exit` can be lost (a worker's "stopped" was). Exits anyway after a second: a stuck stdout must not
 * keep a stopping process alive.
 */
export function exitAfterFlush(logger: Logger, code: number): void {
  setTimeout(() => process.exit(code), 1000)
  logger.flush(() => process.exit(code))
}
