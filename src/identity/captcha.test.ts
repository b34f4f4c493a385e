import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createCaptcha, type CaptchaConfig } from './captcha.ts'

const md5 = (s: string) => createHash('md5').update(s).digest('hex')
const KEY = 'geetest-private-key'
const GT = 'geetest-public-id'
const CHALLENGE = '0123456789abcdef0123456789abcdef'

/** How the fake provider behaves for the next requests; reset before each test. */
let mode: 'ok' | 'hang' | 'slowbody' | 'huge' | 'error500' | 'garbage' = 'ok'
const seen: { path: string; method: string; body: string }[] = []

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = ''
    req.on('data', (c: Buffer) => (s += c.toString()))
    req.on('end', () => resolve(s))
  })
}

let server: Server
let base = ''

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const body = await readBody(req)
    seen.push({ path: `${url.pathname}${url.search}`, method: req.method ?? '', body })
    if (mode === 'hang') return // never answer
    if (mode === 'slowbody') return res.writeHead(200).write('{"success":') // headers, then stall
    if (mode === 'huge') return res.writeHead(200).end(`{"success":true,"pad":"${'x'.repeat(200_000)}"}`)
    if (mode === 'error500') return res.writeHead(500).end('boom')
    if (mode === 'garbage') return res.writeHead(200).end('<html>not json</html>')
    const form = new URLSearchParams(body)
    if (url.pathname === '/siteverify') {
      const success = form.get('secret') === 'rc-secret' && form.get('response') === 'good-token'
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success }))
    }
    if (url.pathname === '/gt/validate.php') {
      const seccode = form.get('seccode') ?? ''
      return res.writeHead(200).end(seccode.startsWith('good') ? md5(seccode) : 'false')
    }
    if (url.pathname === '/gt/register.php') {
      return res.writeHead(200).end(url.searchParams.get('gt') === GT ? CHALLENGE : '0')
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

beforeEach(() => {
  mode = 'ok'
  seen.length = 0
})

const cfg = (over: Partial<CaptchaConfig>): CaptchaConfig => ({
  mode: 'none',
  recaptchaSecret: 'rc-secret',
  recaptchaVerifyUrl: `${base}/siteverify`,
  geetestId: GT,
  geetestKey: KEY,
  geetestApiUrl: `${base}/gt`,
  timeoutMs: 300,
  ...over,
})

const required = { key: 'identity.captcha.required', status: 400 }
const mandatory = { key: 'identity.captcha.mandatory_fields', status: 400 }
const failed = { key: 'identity.captcha.verification_failed', status: 422 }
const badFormat = { key: 'identity.session.invalid_captcha_format', status: 422 }

describe('mode none', () => {
  it('passes anything without calling out', async () => {
    const c = createCaptcha(cfg({ mode: 'none' }))
    expect(await c.verify(undefined, true)).toBeNull()
    expect(await c.verify(42, true)).toBeNull()
    expect(seen).toHaveLength(0)
  })
})

describe('reCAPTCHA', () => {
  const c = () => createCaptcha(cfg({ mode: 'recaptcha' }))

  it('accepts a token the provider confirms, posting secret and response as a form', async () => {
    expect(await c().verify('good-token', true)).toBeNull()
    expect(seen).toEqual([{ path: '/siteverify', method: 'POST', body: 'secret=rc-secret&response=good-token' }])
  })

  it('rejects a token the provider refuses', async () => {
    expect(await c().verify('bad-token', false)).toEqual(failed)
  })

  it.each([undefined, null, '', '   ', false, {}, []])('blank %j → required', async (v) => {
    expect(await c().verify(v, false)).toEqual(required)
    expect(seen).toHaveLength(0)
  })

  it('an object → verification_failed without calling the provider', async () => {
    expect(await c().verify({ geetest_challenge: 'x' }, true)).toEqual(failed)
    expect(seen).toHaveLength(0)
  })

  it('a non-string, non-object on /identity/sessions → invalid_captcha_format', async () => {
    expect(await c().verify(123, true)).toEqual(badFormat)
    expect(await c().verify(['x'], true)).toEqual(badFormat)
    expect(await c().verify(123, false)).toEqual(failed)
  })

  it('a 500 → verification_failed', async () => {
    mode = 'error500'
    expect(await c().verify('good-token', false)).toEqual(failed)
  })

  it('a non-JSON answer → verification_failed', async () => {
    mode = 'garbage'
    expect(await c().verify('good-token', false)).toEqual(failed)
  })

  it('a hung provider → verification_failed within the timeout', async () => {
    mode = 'hang'
    const t0 = Date.now()
    expect(await c().verify('good-token', false)).toEqual(failed)
    expect(Date.now() - t0).toBeLessThan(2000)
  })

  it('a provider that stalls mid-body → verification_failed within the timeout', async () => {
    mode = 'slowbody'
    const t0 = Date.now()
    expect(await c().verify('good-token', false)).toEqual(failed)
    expect(Date.now() - t0).toBeLessThan(2000)
  })

  it('an oversized answer → verification_failed, even if it says success', async () => {
    mode = 'huge'
    expect(await c().verify('good-token', false)).toEqual(failed)
  })

  it('an unreachable provider → verification_failed', async () => {
    const down = createCaptcha(cfg({ mode: 'recaptcha', recaptchaVerifyUrl: 'http://127.0.0.1:1/siteverify' }))
    expect(await down.verify('good-token', false)).toEqual(failed)
  })
})

describe('GeeTest verify', () => {
  const c = () => createCaptcha(cfg({ mode: 'geetest' }))
  const answer = (seccode = 'good-seccode', challenge = CHALLENGE) => ({
    geetest_challenge: challenge,
    geetest_validate: md5(`${KEY}geetest${challenge}`),
    geetest_seccode: seccode,
  })

  it('accepts a correct answer confirmed by validate.php', async () => {
    expect(await c().verify(answer(), true)).toBeNull()
    expect(seen).toEqual([{ path: '/gt/validate.php', method: 'POST', body: 'seccode=good-seccode' }])
  })

  it('rejects when validate.php does not answer md5(seccode)', async () => {
    expect(await c().verify(answer('bad-seccode'), false)).toEqual(failed)
  })

  it('rejects a forged geetest_validate without calling out', async () => {
    expect(await c().verify({ ...answer(), geetest_validate: md5('forged') }, false)).toEqual(failed)
    expect(seen).toHaveLength(0)
  })

  it.each([
    ['a string', 'some-token'],
    ['a missing field', { geetest_challenge: CHALLENGE, geetest_validate: 'x' }],
    ['a non-string field', { ...answer(), geetest_seccode: 5 }],
    ['an array', ['x']],
  ])('%s → mandatory_fields', async (_, v) => {
    expect(await c().verify(v, false)).toEqual(mandatory)
  })

  it.each([undefined, {}, '  '])('blank %j → required', async (v) => {
    expect(await c().verify(v, true)).toEqual(required)
  })

  it('a 500 from validate.php → verification_failed', async () => {
    mode = 'error500'
    expect(await c().verify(answer(), false)).toEqual(failed)
  })

  it('a hung validate.php → verification_failed within the timeout', async () => {
    mode = 'hang'
    const t0 = Date.now()
    expect(await c().verify(answer(), false)).toEqual(failed)
    expect(Date.now() - t0).toBeLessThan(2000)
  })
})

describe('GeeTest register', () => {
  it('returns gt and md5(challenge + key)', async () => {
    const c = createCaptcha(cfg({ mode: 'geetest' }))
    expect(await c.register()).toEqual({ gt: GT, challenge: md5(CHALLENGE + KEY) })
    expect(seen[0]).toMatchObject({ path: `/gt/register.php?gt=${GT}`, method: 'GET' })
  })

  it('returns "" when GeeTest does not hand out a challenge', async () => {
    expect(await createCaptcha(cfg({ mode: 'geetest', geetestId: 'unknown' })).register()).toBe('')
  })

  it.each(['error500', 'hang', 'garbage'] as const)('returns "" on %s', async (m) => {
    mode = m
    expect(await createCaptcha(cfg({ mode: 'geetest' })).register()).toBe('')
  })

  it('returns "" without calling out when GeeTest is not configured', async () => {
    expect(await createCaptcha(cfg({ mode: 'geetest', geetestId: '' })).register()).toBe('')
    expect(seen).toHaveLength(0)
  })
})
