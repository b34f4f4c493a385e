import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export const md5 = (s: string) => createHash('md5').update(s).digest('hex')

/** GeeTest's validate API on a local port: a `seccode` of `good` is accepted. Returns its base URL. */
export async function startGeetestFake(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (d: Buffer) => chunks.push(d))
    req.on('end', () => {
      const seccode = new URLSearchParams(Buffer.concat(chunks).toString()).get('seccode')
      res.end(req.url?.startsWith('/validate.php') && seccode === 'good' ? md5('good') : 'false')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The three GeeTest fields a front end sends for `challenge`, valid for key `gkey`. */
export const geetestAnswer = (challenge: string, seccode = 'good') => ({
  geetest_challenge: challenge,
  geetest_validate: md5(`gkeygeetest${challenge}`),
  geetest_seccode: seccode,
})
