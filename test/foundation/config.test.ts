import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/index.ts'
import { parseEnv } from '../../src/config/env.ts'

describe('configuration', () => {
  it("has Barong's defaults", () => {
    const env = parseEnv({})
    expect(env.PORT).toBe(3000)
    expect(env.HOST).toBe('0.0.0.0')
    expect(env.BARONG_SESSION_EXPIRE_TIME).toBe(1800)
    expect(env.BARONG_JWT_EXPIRE_TIME).toBe(3600)
    expect(env.BARONG_CSRF_PROTECTION).toBe(true)
    expect(env.BARONG_APIKEY_NONCE_LIFETIME).toBe(5000)
    expect(env.BARONG_UID_PREFIX).toBe('ID')
    expect(env.BARONG_KYC_PROVIDER).toBe('local')
    expect(env.BARONG_API_CORS_ORIGINS).toEqual(['*'])
    expect(env.BARONG_TRUSTED_PROXIES).toEqual(['127.0.0.0/8', '::1/128'])
  })

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ BARONG_CSRF_PROTECTION: 'yes' }, 'BARONG_CSRF_PROTECTION'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ BARONG_CAPTCHA: 'hcaptcha' }, 'BARONG_CAPTCHA'],
    [{ BARONG_UID_PREFIX: 'X' }, 'BARONG_UID_PREFIX'],
    [{ BARONG_API_CORS_ORIGINS: 'ftp://x' }, 'BARONG_API_CORS_ORIGINS'],
    [{ BARONG_EVENT_API: 'kafka://x' }, 'BARONG_EVENT_API'],
    [{ REDIS_URL: 'redis://a:7000,http://b:7001' }, 'REDIS_URL'],
    [{ REDIS_KEY_PREFIX: 'app{1}:' }, 'REDIS_KEY_PREFIX'],
    [{ REDIS_SENTINELS: 'sentinel-a' }, 'REDIS_SENTINELS'],
    [{ DATABASE_PREPARE: 'no' }, 'DATABASE_PREPARE'],
    [{ DATABASE_MIGRATION_URL: 'mysql://x' }, 'DATABASE_MIGRATION_URL'],
    [{ BARONG_WORKERS: '0' }, 'BARONG_WORKERS'],
    [{ BARONG_WORKERS: 'all' }, 'BARONG_WORKERS'],
    [{ BARONG_WORKERS: '2', REDIS_URL: 'redis://127.0.0.1:6379' }, 'BARONG_WORKERS=2 needs DATABASE_URL and REDIS_URL'],
    [{ BARONG_WORKERS: '2', DATABASE_URL: 'postgres://x/y' }, 'BARONG_WORKERS=2 needs DATABASE_URL and REDIS_URL'],
  ])('rejects %j with one line naming %s', (env, name) => {
    expect(() => parseEnv(env)).toThrowError(new RegExp(`^invalid configuration: ${name} [^\\n]+$`))
  })

  it('BARONG_WORKERS: one by default, `auto` is one per core', () => {
    expect(parseEnv({}).BARONG_WORKERS).toBe(1)
    expect(parseEnv({ BARONG_WORKERS: 'auto', DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x' }).BARONG_WORKERS).toBe(availableParallelism())
  })

  it('upper-cases the uid prefix; non-numeric CORS max-age falls back to 3600 as Barong does', () => {
    const env = parseEnv({ BARONG_UID_PREFIX: 'ab', BARONG_API_CORS_MAX_AGE: 'soon' })
    expect(env.BARONG_UID_PREFIX).toBe('AB')
    expect(env.BARONG_API_CORS_MAX_AGE).toBe(3600)
  })

  it('reads barong.yml with defaults for what it omits, and names a bad file', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'barong-yml-'))
    writeFileSync(join(dir, 'ok.yml'), 'user_storage_titles: [personal]\n')
    const cfg = loadConfig({ BARONG_CONFIG: join(dir, 'ok.yml') })
    expect(cfg.barong.user_storage_titles).toEqual(['personal'])
    expect(cfg.barong.activation_requirements).toEqual({ email: 'verified' })
    writeFileSync(join(dir, 'bad.yml'), 'captcha_protected_endpoints: [everything]\n')
    expect(() => loadConfig({ BARONG_CONFIG: join(dir, 'bad.yml') })).toThrowError(/BARONG_CONFIG/)
  })
})
