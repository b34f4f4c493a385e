import net from 'node:net'
import type { AddressInfo } from 'node:net'

/** A TCP proxy in front of RabbitMQ that can be cut and restored on the same port. */
export async function startProxy(targetPort = 5672) {
  const sockets = new Set<net.Socket>()
  let server: net.Server
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(targetPort, '127.0.0.1')
        sockets.add(client).add(upstream)
        const end = () => [client, upstream].forEach((s) => (s.destroy(), sockets.delete(s)))
        for (const s of [client, upstream]) s.on('error', end).on('close', end)
        client.pipe(upstream).pipe(client)
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
    })
  const port = await listen(0)
  return {
    port,
    async cut() {
      for (const s of sockets) s.destroy()
      sockets.clear()
      await new Promise((r) => server.close(r))
    },
    async restore() {
      await listen(port)
    },
  }
}

