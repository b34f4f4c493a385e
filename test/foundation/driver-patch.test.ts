import { EventEmitter } from 'node:events'
import postgres from 'postgres'
import { expect, it } from 'vitest'

// postgres 3.4.9 batches small writes behind a setImmediate. A connection that closed with such a write still
// buffered either threw from that immediate (ending the process) or kept the cancelled timer, after which it never
// wrote again: every reconnect's startup message stayed in its buffer, so its queries waited forever
// (porsager/postgres#1154, #1208). `npm run faults` met both on a PostgreSQL restart under load.
// patches/postgres+3.4.9.patch, applied by `postinstall`, resets the buffer and the timer on close and settles a
// write that finds no socket (docs/architecture.md#failures).

/** A socket that records what the driver writes and never answers. */
function fakeSocket() {
  const s = Object.assign(new EventEmitter(), {
    readyState: 'open',
    written: 0,
    setKeepAlive() {},
    write(buf: Buffer | string) {
      s.written += Buffer.byteLength(buf)
      return true
    },
    destroy() {
      s.readyState = 'closed'
    },
    end() {
      s.readyState = 'closed'
    },
  })
  return s
}

/** Bytes written on each connection attempt; the first attempt's socket closes before its startup flush. */
async function attempts(closeFirstBeforeFlush: boolean): Promise<number[]> {
  const sockets: ReturnType<typeof fakeSocket>[] = []
  const sql = postgres({
    host: 'driver-patch.invalid',
    max: 1,
    connect_timeout: 1,
    backoff: () => 0,
    // The driver's own option for a ready-made socket: connect() goes straight to the startup message.
    socket: () => {
      const s = fakeSocket()
      sockets.push(s)
      // Queued before the driver's setImmediate(nextWrite), so it always runs first.
      if (sockets.length === 1 && closeFirstBeforeFlush) setImmediate(() => s.emit('close', false))
      return s
    },
  } as unknown as postgres.Options<Record<string, never>>)
  void sql`select 1`.catch(() => {})
  for (let i = 0; i < 50 && sockets.length < 2; i++) await new Promise((r) => setTimeout(r, 20))
  await new Promise((r) => setTimeout(r, 50))
  await sql.end({ timeout: 0 }).catch(() => {})
  return sockets.map((s) => s.written)
}

it('control: an undisturbed connection writes its startup message', async () => {
  const written = await attempts(false)
  expect(written[0]).toBeGreaterThan(0)
})

it('a connection closed with its startup write buffered writes again on the next attempt', async () => {
  const written = await attempts(true)
  expect(written.length).toBeGreaterThanOrEqual(2)
  expect(written[0]).toBe(0)
  expect(written[1], 'the reconnect wrote nothing: the write buffer is stuck (is the postgres patch applied?)').toBeGreaterThan(0)
})
