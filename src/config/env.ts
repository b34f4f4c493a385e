import { availableParallelism } from 'node:os'
import { z } from 'zod'

/**
 * The one place that reads process.env. Every variable of the README's configuration table plus Barong's own
 * settings (docs/barong-behaviour-notes.md#s10) under their BARONG_* names, with Barong's defaults unless the README
 * says otherwise.
 */

const bool = (def: boolean) =>
  z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true')

const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .default(String(def))
    .refine((v) => /^\d+$/.test(v), 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`)

const list = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )

const optionalPort = z
  .string()
  .optional()
  .refine((v) => v === undefined || v === '' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 65535), 'must be a port between 1 and 65535')
  .transform((v) => (v === undefined || v === '' ? undefined : Number(v)))

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v))

const url = (protocols: string[]) =>
  optionalString.refine(
    (v) => {
      if (v === undefined) return true
      try {
        return protocols.includes(new URL(v).protocol)
      } catch {
        return false
      }
    },
    `must be a ${protocols.join(' or ')}// URL`,
  )

const corsOrigins = z
  .string()
  .default('*')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .refine(
    (list) => list.length > 0 && list.every((o) => o === '*' || /^https?:\/\/[^\s/]+$/.test(o)),
    'must be * or a comma-separated list of http(s):// origins',
  )

const eventApi = z
  .string()
  .default('none')
  .refine(
    (v) => v === 'none' || v.startsWith('file:') || /^amqps?:\/\//.test(v),
    'must be none, file:PATH or amqp://…',
  )

export const envSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DATABASE_POOL_SIZE: int(10, 1, 1000),
  // Behind PgBouncer in transaction mode: no named prepared statements, and migrations straight to PostgreSQL.
  DATABASE_PREPARE: bool(true),
  DATABASE_MIGRATION_URL: url(['postgres:', 'postgresql:']),
  // One URL, or several comma-separated (the seed nodes of a Redis Cluster).
  REDIS_URL: optionalString.refine(
    (v) => v === undefined || v.split(',').every((u) => {
      try {
        return ['redis:', 'rediss:'].includes(new URL(u.trim()).protocol)
      } catch {
        return false
      }
    }),
    'must be a redis: or rediss: URL (several, comma-separated, for a Cluster)',
  ),
  REDIS_CLUSTER: bool(false),
  // Redis Sentinel: the sentinels (host:port, comma-separated) and the master's name; REDIS_URL then gives only
  // the password and database number.
  REDIS_SENTINELS: optionalString.refine((v) => v === undefined || v.split(',').every((h) => /^[^\s:]+:\d{1,5}$/.test(h.trim())), 'must be host:port, comma-separated'),
  REDIS_SENTINEL_NAME: z.string().default('mymaster'),
  // Braces would make ioredis and Redis hash only part of every key, piling them on one slot of a Cluster.
  REDIS_KEY_PREFIX: z
    .string()
    .default('barong:')
    .refine((v) => !/[{}]/.test(v), 'must not contain { or }'),
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: int(65536, 1024, 64 * 1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: int(20000, 0, 600000),
  // Build identification (GET /public/version).
  GIT_TAG: z.string().default('0.1.0'),
  GIT_SHA: z.string().default('unknown'),
  BUILD_DATE: z.string().default(''),

  BARONG_CONFIG: optionalString,
  BARONG_UPLOAD_DIR: optionalString,
  BARONG_JWT_PRIVATE_KEY: optionalString,
  BARONG_JWT_PRIVATE_KEY_PATH: optionalString,
  BARONG_JWT_PREVIOUS_KEYS: optionalString,
  BARONG_JWT_EXPIRE_TIME: int(3600, 1, 31 * 86400),
  BARONG_SESSION_EXPIRE_TIME: int(1800, 1, 31 * 86400),
  BARONG_SESSION_ABSOLUTE_TIME: int(86400, 60, 365 * 86400),
  // Sessions this instance keeps in memory, and how long it may decide from them without hearing its own
  // heartbeat back from the store (docs/architecture.md "Session replica").
  BARONG_SESSION_CACHE_SIZE: int(100_000, 0, 10_000_000),
  // Processes on this host sharing the listening socket (node:cluster); `auto` = one per core.
  BARONG_WORKERS: z
    .string()
    .default('1')
    .refine((v) => v === 'auto' || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 256), 'must be auto or a whole number between 1 and 256')
    .transform((v) => (v === 'auto' ? availableParallelism() : Number(v))),
  BARONG_CACHE_LEASE_MS: int(1000, 100, 60_000),
  BARONG_SESSION_NAME: z
    .string()
    .default('_barong_session')
    .refine((v) => /^[A-Za-z0-9_\-.]+$/.test(v), 'must be a cookie name'),
  BARONG_COOKIE_SECURE: bool(false),
  BARONG_CSRF_PROTECTION: bool(true),
  BARONG_CAPTCHA: z.enum(['none', 'recaptcha', 'geetest']).default('none'),
  BARONG_RECAPTCHA_SITE_KEY: z.string().default(''),
  BARONG_RECAPTCHA_SECRET_KEY: z.string().default(''),
  BARONG_RECAPTCHA_VERIFY_URL: z.string().default('https://www.google.com/recaptcha/api/siteverify'),
  BARONG_GEETEST_ID: z.string().default(''),
  BARONG_GEETEST_KEY: z.string().default(''),
  BARONG_GEETEST_API_URL: z.string().default('http://api.geetest.com'),
  BARONG_EVENT_API: eventApi,
  EVENT_API_RABBITMQ_URL: url(['amqp:', 'amqps:']),
  // Phone verification (docs/barong-behaviour-notes.md#s9-4): BARONG_SMS, when not `mock`, names the provider;
  // else Barong's BARONG_PHONE_VERIFICATION does.
  BARONG_SMS: z.enum(['mock', 'twilio_sms', 'twilio_verify']).default('mock'),
  BARONG_PHONE_VERIFICATION: z.enum(['mock', 'twilio_sms', 'twilio_verify']).default('mock'),
  BARONG_TWILIO_ACCOUNT_SID: z.string().default(''),
  BARONG_TWILIO_AUTH_TOKEN: z.string().default(''),
  BARONG_TWILIO_SERVICE_SID: z.string().default(''),
  BARONG_TWILIO_PHONE_NUMBER: z.string().default('+15005550000'),
  // Ours: Twilio's endpoints (a local fake in tests).
  BARONG_TWILIO_VERIFY_URL: z.string().default('https://verify.twilio.com'),
  BARONG_TWILIO_API_URL: z.string().default('https://api.twilio.com'),
  // Ours: codes sent (add and send_code) per user and per number in a window (s); verification attempts per user.
  BARONG_PHONE_CODE_MAX: int(10, 1, 10000),
  BARONG_PHONE_CODE_NUMBER_MAX: int(5, 1, 10000),
  BARONG_PHONE_VERIFY_MAX: int(10, 1, 10000),
  BARONG_PHONE_CODE_WINDOW: int(3600, 1, 86400),
  BARONG_SMS_CONTENT_TEMPLATE: z.string().default('Your verification code for Barong: {{code}}'),
  // Staff review (local), or KYCAID's API (docs/barong-behaviour-notes.md#s9-6) with its token, as Barong's KYCAID gem reads it.
  BARONG_KYC_PROVIDER: z.enum(['local', 'kycaid']).default('local'),
  KYCAID_AUTHORIZATION_TOKEN: z.string().default(''),
  KYCAID_API_ENDPOINT: z.string().url().default('https://api.kycaid.com/'),
  // Ours: how often the KYC worker looks for due provider calls, and how many attempts a call gets.
  BARONG_KYC_POLL_MS: int(1000, 10, 600_000),
  BARONG_KYC_MAX_ATTEMPTS: int(10, 1, 100),
  // Admin abilities per role, Barong 2.6's abilities.yml format (config/abilities.yml is the built-in table).
  BARONG_ABILITIES: optionalString,
  BARONG_UPSTREAMS: optionalString,
  BARONG_AUTHZ_RULES: optionalString,
  BARONG_AUTHZ_RULES_FILE: optionalString,
  BARONG_AUTHZ_STATUS: z.enum(['barong', 'nginx']).default('barong'),
  BARONG_GEOIP_DB: optionalString,
  BARONG_GEOIP_LANG: z.enum(['en', 'de', 'es', 'fr', 'ja', 'ru']).default('en'),
  BARONG_TRUSTED_PROXIES: list('127.0.0.0/8,::1/128'),
  // A listener of its own for /api/v2/auth (then absent from PORT), as Oathkeeper's decisions port.
  BARONG_AUTHZ_PORT: optionalPort,
  BARONG_AUTHZ_HOST: optionalString,
  BARONG_GATEWAY: z.enum(['cloudflare', 'akamai']).default('cloudflare'),
  BARONG_TRUST_TRUE_CLIENT_IP: bool(false),

  BARONG_APP_NAME: z.string().default('Barong'),
  BARONG_DOMAIN: z.string().default('openware.com'),
  BARONG_UID_PREFIX: z
    .string()
    .default('ID')
    .refine((v) => /^[A-Za-z]{2,6}$/.test(v), 'must be 2 to 6 letters')
    .transform((v) => v.toUpperCase()),
  BARONG_REQUIRED_DOCS_EXPIRE: bool(true),
  BARONG_DOC_NUM_LIMIT: int(10, 1, 1000),
  BARONG_APIKEY_NONCE_LIFETIME: int(5000, 1, 3600000),
  BARONG_PROFILE_DOUBLE_VERIFICATION: bool(false),
  // The front end reads the new key's secret as 2.5.21's Vault object (baseapp ≤ 2.5) or a string (baseapp 2.6).
  BARONG_API_KEY_SECRET_FORMAT: z.enum(['vault', 'plain']).default('vault'),
  BARONG_PASSWORD_REGEXP: z
    .string()
    .default('^(?=.*[[:lower:]])(?=.*[[:upper:]])(?=.*[[:digit:]])(?=.*[[:graph:]]).{8,80}$'),
  BARONG_PASSWORD_MIN_ENTROPY: int(14, 0, 1000),
  BARONG_PASSWORD_USE_DICTIONARY: bool(true),
  BARONG_API_CORS_ORIGINS: corsOrigins,
  // Barong: a non-numeric max-age falls back to 3600 instead of failing the boot.
  BARONG_API_CORS_MAX_AGE: z
    .string()
    .default('3600')
    .transform((v) => (/^\d+$/.test(v) ? Number(v) : 3600)),
  BARONG_API_CORS_ALLOW_CREDENTIALS: bool(false),
  BARONG_ADMIN_EMAIL: optionalString,
  BARONG_ADMIN_PASSWORD: optionalString,
  BARONG_DEFAULT_LANGUAGE: z.string().default('en'),
  BARONG_UPLOAD_SIZE_MIN_RANGE: int(1, 0),
  BARONG_UPLOAD_SIZE_MAX_RANGE: int(10, 1, 1024),
  BARONG_UPLOAD_EXTENSION_WHITELIST: list('jpg, jpeg, png, pdf'),
  // AES-256-GCM key for secrets at rest (TOTP seeds, API-key secrets): 64 hex chars or 44 base64 chars.
  BARONG_SECRET_KEY: optionalString,
  BARONG_LOGIN_MAX_ATTEMPTS: int(10, 1, 10000),
  BARONG_LOGIN_IP_MAX_ATTEMPTS: int(100, 1, 1000000),
  BARONG_LOGIN_ATTEMPT_WINDOW: int(900, 1, 86400),
  // Requests for a mailed code (password reset, email confirmation): per address, per IP, window (s).
  BARONG_MAIL_REQUEST_MAX: int(5, 1, 10000),
  BARONG_MAIL_REQUEST_IP_MAX: int(30, 1, 1000000),
  BARONG_MAIL_REQUEST_WINDOW: int(3600, 1, 86400),
  BARONG_RULES_REFRESH_INTERVAL: int(10, 1, 3600),
})

export type Env = z.infer<typeof envSchema>

export class ConfigError extends Error {}

/** Parses the environment once; throws ConfigError with one line naming the first bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source)
  // KYCAID without its token would queue calls that can never succeed.
  if (result.success && result.data.BARONG_KYC_PROVIDER === 'kycaid' && !result.data.KYCAID_AUTHORIZATION_TOKEN) {
    throw new ConfigError('invalid configuration: KYCAID_AUTHORIZATION_TOKEN is required with BARONG_KYC_PROVIDER=kycaid')
  }
  // The embedded database and the in-process store live inside one process: a second one would not see them.
  if (result.success && result.data.BARONG_WORKERS > 1 && (!result.data.DATABASE_URL || !result.data.REDIS_URL)) {
    throw new ConfigError(
      `invalid configuration: BARONG_WORKERS=${result.data.BARONG_WORKERS} needs DATABASE_URL and REDIS_URL (the embedded database and in-process store serve one process)`,
    )
  }
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const name = issue?.path.join('.') ?? 'environment'
  throw new ConfigError(`invalid configuration: ${name} ${issue?.message ?? 'is invalid'}`)
}
