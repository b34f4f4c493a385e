import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SignJWT, createLocalJWKSet, jwtVerify, calculateJwkThumbprint, exportJWK } from 'jose'
import { createTestApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(async () => {
  await t?.close()
})

describe('public and identity general endpoints', () => {
  for (const mod of ['public', 'identity']) {
    it(`${mod}: ping, time, version, configs`, async () => {
      const ping = await t.app.request(`/api/v2/barong/${mod}/ping`)
      expect(ping.status).toBe(200)
      expect(await ping.json()).toEqual({ ping: 'pong' })

      t.clock.ms = 1_700_000_000_123
      const time = await t.app.request(`/api/v2/barong/${mod}/time`)
      expect(await time.json()).toEqual({ time: 1_700_000_000, time_ms: 1_700_000_000_123 })

      const version = await (await t.app.request(`/api/v2/barong/${mod}/version`)).json()
      expect(Object.keys(version)).toEqual(['git_tag', 'git_sha', 'build_date', 'version'])

      const configs = await (await t.app.request(`/api/v2/barong/${mod}/configs`)).json()
      expect(configs).toEqual({
        session_expire_time: 1800,
        captcha_type: 'none',
        phone_verification_type: 'mock',
        password_min_entropy: 14,
        password_regexp:
          '(?-mix:^(?=.*[[:lower:]])(?=.*[[:upper:]])(?=.*[[:digit:]])(?=.*[[:graph:]]).{8,80}$)',
      })
    })

    it(`${mod}: password/validate returns Barong's entropy, 422 without password`, async () => {
      const ok = await t.app.request(`/api/v2/barong/${mod}/password/validate`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ password: 'Tecohvi0' }),
      })
      expect(ok.status).toBe(201)
      expect(await ok.json()).toEqual({ entropy: 15.5 })

      const form = await t.app.request(`/api/v2/barong/${mod}/password/validate`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'password=QqQq123123',
      })
      expect(await form.json()).toEqual({ entropy: 10.5 })

      const missing = await t.app.request(`/api/v2/barong/${mod}/password/validate`, { method: 'POST' })
      expect(missing.status).toBe(422)
      expect(await missing.json()).toEqual({ errors: [`${mod}.general.missing_password`] })
    })
  }

  it('configs exposes captcha_id only for reCAPTCHA', async () => {
    const r = await createTestApp({ BARONG_CAPTCHA: 'recaptcha', BARONG_RECAPTCHA_SITE_KEY: 'site-key' })
    try {
      const configs = await (await r.app.request('/api/v2/barong/public/configs')).json()
      expect(configs.captcha_type).toBe('recaptcha')
      expect(configs.captcha_id).toBe('site-key')
    } finally {
      await r.close()
    }
  })
})

describe('errors', () => {
  it('unknown routes answer 404 JSON with record.not_found', async () => {
    for (const path of ['/nope', '/api/v2/barong/identity/nope', '/api/v2/barong/public/ping/extra']) {
      const res = await t.app.request(path)
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toMatch(/application\/json/)
      expect(await res.json()).toEqual({ errors: ['record.not_found'] })
    }
  })

  it('a body over the limit gets 413 with an error key', async () => {
    const big = JSON.stringify({ password: 'x'.repeat(70_000) })
    const res = await t.app.request('/api/v2/barong/public/password/validate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(big.length) },
      body: big,
    })
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({ errors: ['server.payload_too_large'] })
  })

  it('malformed JSON is a 400 with a key, not a stack', async () => {
    const res = await t.app.request('/api/v2/barong/public/password/validate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"password":',
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({ errors: ['server.invalid_json'] })
  })

  it('every response carries a request id; an unsafe inbound id is replaced', async () => {
    const kept = await t.app.request('/api/v2/barong/public/ping', { headers: { 'X-Request-Id': 'abc-123' } })
    expect(kept.headers.get('x-request-id')).toBe('abc-123')
    const replaced = await t.app.request('/api/v2/barong/public/ping', { headers: { 'X-Request-Id': 'evil id with spaces;$(x)' } })
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('health, metrics, documents', () => {
  it('/healthz and /readyz answer 200 when the database and store are up', async () => {
    expect((await t.app.request('/healthz')).status).toBe(200)
    const ready = await t.app.request('/readyz')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', store: 'ok' } })
  })

  it('/metrics counts requests by route and status', async () => {
    await t.app.request('/api/v2/barong/public/ping')
    const text = await (await t.app.request('/metrics')).text()
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/v2\/barong\/public\/ping",status="200"\} \d+/)
    expect(text).toContain('http_request_duration_seconds_bucket')
  })

  it('/api/v2/barong/openapi.json describes the routes', async () => {
    const doc = await (await t.app.request('/api/v2/barong/openapi.json')).json()
    expect(doc.openapi).toBe('3.0.3')
    expect(doc.paths['/api/v2/barong/public/ping'].get).toBeDefined()
    const validate = doc.paths['/api/v2/barong/identity/password/validate'].post
    expect(validate.requestBody.content['application/json'].schema.required).toEqual(['password'])
  })

  it('/.well-known/jwks.json publishes the key whose RFC 7638 thumbprint is the kid', async () => {
    const jwks = await (await t.app.request('/.well-known/jwks.json')).json()
    expect(jwks.keys).toHaveLength(1)
    const [key] = jwks.keys
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: t.deps.keys.kid })
    expect(key.d).toBeUndefined()
    expect(await calculateJwkThumbprint(await exportJWK(t.deps.keys.publicKey))).toBe(key.kid)
    const token = await new SignJWT({ sub: 'session' })
      .setProtectedHeader({ alg: 'RS256', kid: t.deps.keys.kid })
      .sign(t.deps.keys.privateKey)
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks))
    expect(payload.sub).toBe('session')
  })
})
