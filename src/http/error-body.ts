/**
 * `{"errors":[…]}`, the body of every error answer (README "HTTP surface"), for the Hono app, the gateway's
 * node:http answers and raw upgrade sockets alike.
 */
import type { ServerResponse } from 'node:http'
import { memoByString } from '../util/memo.ts'

// A denial answers one of a few dozen keys: each body is built once.
const bodyOfKey = memoByString((key) => JSON.stringify({ errors: [key] }), 256)

export function errorBody(keys: string | readonly string[]): string {
  if (typeof keys === 'string') return bodyOfKey(keys)
  return keys.length === 1 ? bodyOfKey(keys[0]!) : JSON.stringify({ errors: keys })
}

/** Writes a whole error answer on Node's response; `headers` are sent as well (request id, CORS, Set-Cookie…). */
export function writeError(res: ServerResponse, status: number, keys: string | readonly string[], headers: Readonly<Record<string, string>>): void {
  const body = errorBody(keys)
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
  res.end(body)
}
