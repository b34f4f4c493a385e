import { Writable } from 'node:stream'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REDACT_PATHS } from '../../src/deps.ts'
import { eventOutbox } from '../../src/storage/schema/index.ts'
import { createTestApp, type TestApp } from '../helpers/app.ts'
import { register, seedDefaults } from '../helpers/http.ts'
import { RES, enableTwoFactor } from '../helpers/two-factor.ts'

/** Every line the service logs, at the most verbose level, with the production redaction. */
const lines: string[] = []
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(String(chunk))
    done()
  },
})

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({}, {}, pino({ level: 'trace', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink))
  await seedDefaults(t)
})
afterAll(async () => t?.close())

describe('no TOTP seed or API-key secret in a log line, an event or a second answer', () => {
  it('through 2FA, key creation, list, update, refusals and disabling', async () => {
    const { client } = await register(t)
    const auth = await enableTwoFactor(t, client)
    const created = await (await client.post(`${RES}/api_keys`, { algorithm: 'HS256', totp_code: auth.next() })).json()
    const secret = created.secret.data.value as string
    const answers = [
      await client.get(`${RES}/api_keys`),
      await client.request('PATCH', `${RES}/api_keys/${created.kid}`, { state: 'inactive', totp_code: auth.next() }),
      await client.post(`${RES}/api_keys`, { algorithm: 'RS256', totp_code: auth.next() }),
      await client.post(`${RES}/otp/verify`, { code: auth.wrong() }),
      await client.post(`${RES}/otp/generate_qrcode`),
      await client.post(`${RES}/otp/disable`, { code: auth.next() }),
      await client.get(`${RES}/phones`),
    ]
    const texts = await Promise.all(answers.map((r) => r.text()))
    const events = JSON.stringify(await t.deps.db.select().from(eventOutbox))
    // The lines do cover these requests (the PATCH path names the kid).
    expect(lines.some((l) => l.includes(created.kid))).toBe(true)
    for (const s of [auth.secret, secret]) {
      for (const text of [...texts, events, ...lines]) expect(text).not.toContain(s)
    }
  })
})
