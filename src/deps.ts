import cluster from 'node:cluster'
import { join } from 'node:path'
import { createLocalFileStore, type FileStore } from './uploads/file-store.ts'
import { createKycaidClient } from './kyc/kycaid-client.ts'
import { createKycWorker, type KycWorker } from './kyc/kyc-worker.ts'
import { createSessionReplica } from './accounts/session-replica.ts'
import { createSessions, type SessionData, type Sessions } from './accounts/sessions.ts'
import { sessionSettings } from './accounts/sign-in.ts'
import pino, { type Logger } from 'pino'
import { Counter, Registry, collectDefaultMetrics } from 'prom-client'
import type { Store } from './cache/store.ts'
import { createMemoryStore } from './cache/memory-store.ts'
import { createRedisStore } from './cache/redis-store.ts'
import type { Config } from './config/index.ts'
import { loadSigningKeys, type SigningKeys } from './crypto/keys.ts'
import { createSecretBox, loadSecretKey, type SecretBox } from './crypto/secretbox.ts'
import { openDb, type Database, type DbHandle } from './storage/db.ts'
import { createHttpMetrics, type HttpMetrics } from './http/metrics.ts'
import { createOperatorMetrics, type OperatorMetrics } from './http/operator-metrics.ts'
import { createCaptcha, type Captcha } from './identity/captcha.ts'
import { createDeferredWork, type DeferredWork } from './identity/deferred-work.ts'
import { createEventSink, type EventSink } from './events/sinks.ts'
import { createRelay, type Relay } from './events/relay.ts'
import { openGeoIp, type GeoIp } from './authz/geoip.ts'
import { createAuthzCache, type AuthzCache } from './authz/authz-cache.ts'
import { createAuditQueue, type AuditQueue } from './authz/audit-queue.ts'
import { createJwtMinter, type JwtMinter } from './authz/session-jwt.ts'
import { DEFAULT_AUTHZ_RULES, parseAuthzRules, type AuthzRules } from './authz/core/authz-rules.ts'
import { compileTrusted, type TrustedProxies } from './authz/core/client-ip.ts'
import { readFileSync } from 'node:fs'
import { loadUpstreams, type UpstreamRoute } from './config/upstreams.ts'
import { systemClock, type Clock } from './clock.ts'
import type { PhoneVerifier } from './sms/phone-verifier.ts'
import { createPhoneVerifier } from './sms/providers.ts'

export { systemClock, type Clock } from './clock.ts'

export interface Deps {
  config: Config
  logger: Logger
  clock: Clock
  dbHandle: DbHandle
  db: Database
  store: Store
  /** Session reads and writes, through the instance's leased replica. */
  sessions: Sessions
  /** Uploaded KYC files (BARONG_UPLOAD_DIR). */
  files: FileStore
  /** The KYCAID calls' worker (BARONG_KYC_PROVIDER=kycaid), else undefined. */
  kyc: KycWorker | undefined
  keys: SigningKeys
  secrets: SecretBox
  metrics: HttpMetrics
  /** Decisions, backlogs and the replica's lease on /metrics (deploy/prometheus/alerts.yml). */
  operatorMetrics: OperatorMetrics
  registry: Registry
  captcha: Captcha
  sink: EventSink
  relay: Relay
  /** Work done after the answer (mailed-code requests), settled before the relay drains at shutdown. */
  deferred: DeferredWork
  geoip: GeoIp
  authzCache: AuthzCache
  audit: AuditQueue
  minter: JwtMinter
  authzRules: AuthzRules
  trustedProxies: TrustedProxies
  /** Forwarding routes from BARONG_UPSTREAMS, longest prefix first (none: no forwarding). */
  upstreams: readonly UpstreamRoute[]
  /** Sends and checks phone verification codes (BARONG_SMS / BARONG_PHONE_VERIFICATION). */
  phoneVerifier: PhoneVerifier
  /** Run at shutdown, in reverse order of registration. */
  onClose: Array<() => Promise<void>>
}

export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.old_password',
  '*.new_password',
  '*.confirm_password',
  '*.otp_code',
  '*.totp_code',
  '*.code',
  '*.token',
  '*.secret',
  '*.reset_password_token',
  '*.authorization',
  '*.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-auth-signature"]',
  'req.headers["x-csrf-token"]',
]

export function createLogger(level: string): Logger {
  // Under BARONG_WORKERS > 1 each line says which worker wrote it.
  const base = cluster.isWorker ? { service: 'barong', worker: cluster.worker?.id } : { service: 'barong' }
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base })
}

export interface DepsOverrides {
  logger?: Logger
  clock?: Clock
  store?: Store
  dbHandle?: DbHandle
}

/** The only wiring: everything the app needs, built once from configuration. */
export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const env = config.env
  const logger = overrides.logger ?? createLogger(env.LOG_LEVEL)
  const clock = overrides.clock ?? systemClock
  const onClose: Deps['onClose'] = []

  const dbHandle =
    overrides.dbHandle ?? (await openDb({ url: env.DATABASE_URL, dataDir: config.dataDir, poolSize: env.DATABASE_POOL_SIZE, prepare: env.DATABASE_PREPARE, migrationUrl: env.DATABASE_MIGRATION_URL }))
  if (!overrides.dbHandle) onClose.push(() => dbHandle.close())

  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const storeErrors = new Counter({
    name: 'barong_store_errors_total',
    help: 'Store (Redis) failures: commands that failed or timed out (kind=command), connection errors (kind=connection)',
    labelNames: ['kind'],
    registers: [registry],
  })

  let store = overrides.store
  if (!store) {
    if (env.REDIS_URL) {
      let lastLogged = 0
      store = await createRedisStore({
        onCommandError: () => storeErrors.inc({ kind: 'command' }),
        url: env.REDIS_URL,
        cluster: env.REDIS_CLUSTER,
        ...(env.REDIS_SENTINELS && {
          sentinel: {
            name: env.REDIS_SENTINEL_NAME,
            sentinels: env.REDIS_SENTINELS.split(',').map((h) => {
              const [host, port] = h.trim().split(':')
              return { host: host!, port: Number(port) }
            }),
          },
        }),
        keyPrefix: env.REDIS_KEY_PREFIX,
        onError: (err) => {
          storeErrors.inc({ kind: 'connection' })
          // One line per 10 s at most: no log storm while Redis is away.
          if (clock.now() - lastLogged > 10_000) {
            lastLogged = clock.now()
            logger.error({ err: err.message }, 'redis error')
          }
        },
      })
    } else {
      store = createMemoryStore(() => clock.now())
      logger.info('no REDIS_URL: using the in-process store (one instance only)')
    }
    const s = store
    onClose.push(() => s.close())
  }

  const keys = await loadSigningKeys({
    pem: env.BARONG_JWT_PRIVATE_KEY,
    path: env.BARONG_JWT_PRIVATE_KEY_PATH,
    previous: env.BARONG_JWT_PREVIOUS_KEYS,
    dataDir: config.dataDir,
  })
  if (keys.source === 'generated') logger.warn({ kid: keys.kid, dir: config.dataDir }, 'no signing key configured: generated one under DATA_DIR')

  const secrets = createSecretBox(loadSecretKey(env.BARONG_SECRET_KEY, config.dataDir))
  const metrics = createHttpMetrics(registry)

  const captcha = createCaptcha({
    mode: env.BARONG_CAPTCHA,
    recaptchaSecret: env.BARONG_RECAPTCHA_SECRET_KEY,
    recaptchaVerifyUrl: env.BARONG_RECAPTCHA_VERIFY_URL,
    geetestId: env.BARONG_GEETEST_ID,
    geetestKey: env.BARONG_GEETEST_KEY,
    geetestApiUrl: env.BARONG_GEETEST_API_URL,
  })

  const eventSpec = env.EVENT_API_RABBITMQ_URL && env.BARONG_EVENT_API === 'none' ? env.EVENT_API_RABBITMQ_URL : env.BARONG_EVENT_API
  const sink = createEventSink(eventSpec, keys, clock, logger)
  const relay = createRelay({ db: dbHandle.db, sink, logger, clock })
  onClose.push(async () => {
    await relay.drain(5_000)
    await relay.stop()
    await sink.close()
  })

  const geoip = await openGeoIp(env.BARONG_GEOIP_DB, env.BARONG_GEOIP_LANG)
  const sessions = createSessions({
    store,
    settings: sessionSettings(config),
    replica: createSessionReplica<SessionData>({ maxEntries: env.BARONG_SESSION_CACHE_SIZE, leaseMs: env.BARONG_CACHE_LEASE_MS, monotonic: () => performance.now() }),
    heartbeatMs: Math.max(20, Math.floor(env.BARONG_CACHE_LEASE_MS / 5)),
    monotonic: () => performance.now(),
    onWriteError: (err) => logger.warn({ err: (err as Error).message }, 'session touch not written'),
  })
  onClose.push(() => sessions.stop())
  const authzCache = createAuthzCache({ db: dbHandle.db, store, secrets, logger, now: () => clock.now() }, env.BARONG_RULES_REFRESH_INTERVAL * 1000)
  onClose.push(() => authzCache.stop())
  const audit = createAuditQueue(dbHandle.db, logger)
  onClose.push(() => audit.stop())
  const deferred = createDeferredWork(logger)
  onClose.push(() => deferred.settled())
  // As many tokens as sessions held (and some even with the replica off: each one missed is an RSA signature).
  const minter = createJwtMinter(keys, env.BARONG_JWT_EXPIRE_TIME, () => clock.now(), Math.max(env.BARONG_SESSION_CACHE_SIZE, 10_000))
  const rulesFile = env.BARONG_AUTHZ_RULES ?? env.BARONG_AUTHZ_RULES_FILE
  let authzRules = DEFAULT_AUTHZ_RULES
  if (rulesFile) {
    let text: string
    try {
      text = readFileSync(rulesFile, 'utf8')
    } catch (err) {
      throw new Error(`BARONG_AUTHZ_RULES: cannot read ${rulesFile}: ${(err as Error).message}`)
    }
    authzRules = parseAuthzRules(text, rulesFile)
  }
  const trustedProxies = compileTrusted(env.BARONG_TRUSTED_PROXIES, env.BARONG_GATEWAY === 'akamai' || env.BARONG_TRUST_TRUE_CLIENT_IP)
  const upstreams = loadUpstreams(env.BARONG_UPSTREAMS)
  const phoneVerifier = createPhoneVerifier(env)
  const files = createLocalFileStore(env.BARONG_UPLOAD_DIR ?? join(config.dataDir, 'uploads'))
  const kyc =
    env.BARONG_KYC_PROVIDER === 'kycaid'
      ? createKycWorker(
          { config, db: dbHandle.db, clock, logger, relay, store, authzCache, secrets, files, kycaid: createKycaidClient({ endpoint: env.KYCAID_API_ENDPOINT, token: env.KYCAID_AUTHORIZATION_TOKEN }) },
          { pollMs: env.BARONG_KYC_POLL_MS, maxAttempts: env.BARONG_KYC_MAX_ATTEMPTS },
        )
      : undefined
  if (kyc) onClose.push(() => kyc.stop())

  const operatorMetrics = createOperatorMetrics(registry, { db: dbHandle.db, clock, audit, sessions })

  return {
    config,
    logger,
    clock,
    dbHandle,
    db: dbHandle.db,
    store,
    sessions,
    files,
    kyc,
    keys,
    secrets,
    metrics,
    operatorMetrics,
    registry,
    captcha,
    sink,
    relay,
    deferred,
    geoip,
    authzCache,
    audit,
    minter,
    authzRules,
    trustedProxies,
    upstreams,
    phoneVerifier,
    onClose,
  }
}

/** Starts what runs in the background: rules loaded (before serving), invalidation, the event relay. */
export async function startDeps(deps: Deps): Promise<void> {
  await deps.authzCache.load()
  await deps.authzCache.start()
  await deps.sessions.start()
  deps.relay.start()
  deps.kyc?.start()
}

export async function closeDeps(deps: Deps): Promise<void> {
  for (const fn of [...deps.onClose].reverse()) {
    try {
      await fn()
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message }, 'error while closing')
    }
  }
}
