import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { Client, ID, STRONG, register, seedDefaults, uniqueEmail } from '../helpers/http.ts'

const md5 = (s: string) => createHash('md5').update(s).digest('hex')

/** A local stand-in for reCAPTCHA's siteverify and GeeTest's API: `good` passes, anything else fails. */
let provider: Server
let base: string
beforeAll(async () => {
  provider = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const form = new URLSearchParams(body)
      if (req.url?.startsWith('/siteverify')) {
        res.setHeader('Content-Type', 'application/json')
        return res.end(JSON.stringify({ success: form.get('response') === 'good' && form.get('secret') === 'secret' }))
      }
      if (req.url?.startsWith('/validate.php')) return res.end(form.get('seccode') === 'good' ? md5('good') : 'false')
      if (req.url?.startsWith('/register.php')) return res.end('c'.repeat(32))
      res.statusCode = 404
      res.end()
    })
  })
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => provider.close(() => r())))

describe('reCAPTCHA', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ BARONG_CAPTCHA: 'recaptcha', BARONG_RECAPTCHA_SECRET_KEY: 'secret', BARONG_RECAPTCHA_VERIFY_URL: `${base}/siteverify` })
    await seedDefaults(t)
  })
  afterAll(async () => t?.close())

  it('protects sign-up, login, reset and confirmation requests, before anything else', async () => {
    const email = uniqueEmail('captcha')
    const missing = await new Client(t).post(`${ID}/users`, { email, password: STRONG })
    expect(missing.status).toBe(400)
    expect(await missing.json()).toEqual({ errors: ['identity.captcha.required'] })
    const bad = await new Client(t).post(`${ID}/users`, { email, password: STRONG, captcha_response: 'bad' })
    expect(bad.status).toBe(422)
    expect(await bad.json()).toEqual({ errors: ['identity.captcha.verification_failed'] })
    const ok = await register(t, email, STRONG, { captcha_response: 'good' })
    expect(ok.res.status).toBe(201)

    for (const [path, body] of [
      [`${ID}/sessions`, { email, password: STRONG }],
      [`${ID}/users/password/generate_code`, { email }],
      [`${ID}/users/email/generate_code`, { email }],
    ] as const) {
      const res = await new Client(t).post(path, body)
      expect(res.status).toBe(400)
      expect(await res.json()).toEqual({ errors: ['identity.captcha.required'] })
      expect((await new Client(t).post(path, { ...body, captcha_response: 'good' })).status).toBeLessThan(300)
    }
  })

  it('a login captcha_response that is an array is a format error here too', async () => {
    const res = await new Client(t).post(`${ID}/sessions`, { email: uniqueEmail('fmt'), password: STRONG, captcha_response: [1] })
    expect(res.status).toBe(422)
    expect(await res.json()).toEqual({ errors: ['identity.session.invalid_captcha_format'] })
  })

  it('configs tell the front end which captcha to show', async () => {
    expect((await (await t.app.request(`${ID}/configs`)).json()).captcha_type).toBe('recaptcha')
  })
})

describe('GeeTest', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await createTestApp({ BARONG_CAPTCHA: 'geetest', BARONG_GEETEST_ID: 'gid', BARONG_GEETEST_KEY: 'gkey', BARONG_GEETEST_API_URL: base })
    await seedDefaults(t)
  })
  afterAll(async () => t?.close())

  it('register_geetest answers the challenge; sign-up checks the three fields', async () => {
    const reg = await t.app.request(`${ID}/users/register_geetest`)
    expect(await reg.json()).toEqual({ gt: 'gid', challenge: md5(`${'c'.repeat(32)}gkey`) })
    const email = uniqueEmail('geetest')
    const fields = await new Client(t).post(`${ID}/users`, { email, password: STRONG, captcha_response: { geetest_challenge: 'x' } })
    expect(fields.status).toBe(400)
    expect(await fields.json()).toEqual({ errors: ['identity.captcha.mandatory_fields'] })
    const challenge = 'abc'
    const good = { geetest_challenge: challenge, geetest_validate: md5(`gkeygeetest${challenge}`), geetest_seccode: 'good' }
    const wrong = await new Client(t).post(`${ID}/users`, { email, password: STRONG, captcha_response: { ...good, geetest_seccode: 'bad' } })
    expect(wrong.status).toBe(422)
    expect((await register(t, email, STRONG, { captcha_response: good })).res.status).toBe(201)
  })
})
