import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeCall {
  method: string
  path: string
  auth: string | undefined
  contentType: string | undefined
  body: string
}

/**
 * KYCAID's API on a local port: records every call; `fail` makes the next calls to a path answer a status;
 * `verifications` is what GET /verifications/:id answers.
 */
export async function startKycaidFake() {
  const calls: FakeCall[] = []
  const fail = new Map<string, number>()
  const verifications = new Map<string, unknown>()
  let n = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (d: Buffer) => chunks.push(d))
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!
      calls.push({ method: req.method!, path, auth: req.headers.authorization, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('latin1') })
      const status = fail.get(path)
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      if (status) return send(status, { type: 'validation', errors: [{ parameter: 'x', message: 'refused' }] })
      const id = `${String(++n).padStart(4, '0')}`
      if (req.method === 'POST' && path === '/applicants') return send(200, { applicant_id: `app${id}` })
      if (req.method === 'POST' && path === '/files') return send(200, { file_id: `file${id}` })
      if (req.method === 'POST' && path === '/documents') return send(200, { document_id: `doc${id}` })
      if (req.method === 'POST' && path === '/addresses') return send(200, { address_id: `addr${id}` })
      if (req.method === 'POST' && path === '/verifications') return send(200, { verification_id: `ver${id}` })
      const m = /^\/verifications\/(.+)$/.exec(path)
      if (req.method === 'GET' && m && verifications.has(m[1]!)) return send(200, verifications.get(m[1]!))
      send(404, { type: 'not_found' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    calls,
    fail,
    verifications,
    /** Calls made since `from` (an index into `calls`), as `METHOD path`. */
    since: (from: number) => calls.slice(from).map((c) => `${c.method} ${c.path}`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
