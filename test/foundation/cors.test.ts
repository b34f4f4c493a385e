import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../helpers/app.ts'

describe('CORS as Barong configures it', () => {
  let open: TestApp
  let strict: TestApp
  beforeAll(async () => {
    open = await createTestApp()
    strict = await createTestApp({
      BARONG_API_CORS_ORIGINS: 'https://exchange.example, https://admin.example',
      BARONG_API_CORS_ALLOW_CREDENTIALS: 'true',
      BARONG_API_CORS_MAX_AGE: '600',
    })
  })
  afterAll(async () => {
    await open?.close()
    await strict?.close()
  })

  it('default: any origin, no credentials', async () => {
    const res = await open.app.request('/api/v2/barong/public/ping', { headers: { Origin: 'https://a.example' } })
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('listed origin with credentials: reflected, never *, headers exposed', async () => {
    const res = await strict.app.request('/api/v2/barong/public/ping', { headers: { Origin: 'https://exchange.example' } })
    expect(res.headers.get('access-control-allow-origin')).toBe('https://exchange.example')
    expect(res.headers.get('access-control-allow-credentials')).toBe('true')
    expect(res.headers.get('access-control-expose-headers')).toMatch(/Total/)
    expect(res.headers.get('access-control-expose-headers')).toMatch(/Per-Page/)
  })

  it('unlisted origin: no allow-origin header', async () => {
    const res = await strict.app.request('/api/v2/barong/public/ping', { headers: { Origin: 'https://evil.example' } })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('preflight answered with methods, requested headers and max-age', async () => {
    const res = await strict.app.request('/api/v2/barong/identity/sessions', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://admin.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'Content-Type, X-CSRF-Token',
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://admin.example')
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/)
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-csrf-token')
    expect(res.headers.get('access-control-max-age')).toBe('600')
  })

  it('error responses carry the CORS headers too', async () => {
    const res = await strict.app.request('/api/v2/barong/public/nope', { headers: { Origin: 'https://exchange.example' } })
    expect(res.status).toBe(404)
    expect(res.headers.get('access-control-allow-origin')).toBe('https://exchange.example')
    const invalid = await strict.app.request('/api/v2/barong/public/password/validate', {
      method: 'POST',
      headers: { Origin: 'https://exchange.example' },
    })
    expect(invalid.status).toBe(422)
    expect(invalid.headers.get('access-control-allow-origin')).toBe('https://exchange.example')
  })
})
