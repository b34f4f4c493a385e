import { eq } from 'drizzle-orm'
import type { Logger } from 'pino'
import { keys } from '../cache/keys.ts'
import type { Store } from '../cache/store.ts'
import type { SecretBox } from '../crypto/secretbox.ts'
import type { Database } from '../storage/db.ts'
import { apiKeys, configVersions, permissions, restrictions, users, type User } from '../storage/schema/index.ts'
import { compilePermissions, type PermissionTable } from './core/permissions.ts'
import { compileRestrictions, type RestrictionTable } from './core/restrictions.ts'

export interface ApiKeyEntry {
  kid: string
  userId: number
  algorithm: string
  state: string
  /** Decrypted once at load; never logged, never leaves the process. */
  secret: string | null
}

/** The fields a decision and a minted JWT need. */
export type UserSnapshot = Pick<User, 'id' | 'uid' | 'email' | 'role' | 'level' | 'state' | 'otp' | 'referralId'>

export interface AuthzCache {
  permissions: PermissionTable | null
  restrictions: RestrictionTable | null
  apiKeys: ReadonlyMap<string, ApiKeyEntry>
  /** Loads everything; throws when the database cannot be read. */
  load(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
  userByUid(uid: string): Promise<UserSnapshot | null>
  userById(id: number): Promise<UserSnapshot | null>
  forgetUser(uid: string): void
  /** Reloads one mirrored table now (`permissions`, `restrictions`, `apikeys`; `users` drops every snapshot). */
  reload(name: string): Promise<void>
}

// A user change reaches every instance by message; this bounds staleness should a message be lost.
const USER_TTL_MS = 5_000

/**
 * Permission rules, restrictions and API keys held in memory and never queried per request; reloaded
 * when a version in the database changes — at once on an invalidation message, and by a periodic
 * check if a message is lost.
 */
export function createAuthzCache(
  deps: { db: Database; store: Store; secrets: SecretBox; logger: Logger; now: () => number },
  refreshMs: number,
): AuthzCache {
  const userCache = new Map<string, { user: UserSnapshot; at: number }>()
  // API-key requests know the owner's id, not its uid.
  const uidById = new Map<number, string>()
  const versions = new Map<string, number>()
  let timer: NodeJS.Timeout | undefined
  let unsubscribe: (() => Promise<void>) | undefined

  const cache: AuthzCache = {
    permissions: null,
    restrictions: null,
    apiKeys: new Map(),
    async load() {
      await Promise.all([loadPermissions(), loadRestrictions(), loadApiKeys(), readVersions()])
    },
    async start() {
      unsubscribe = await deps.store.subscribe(keys.invalidation, (message) => void onMessage(message))
      timer = setInterval(() => void periodic(), refreshMs)
      timer.unref()
    },
    async stop() {
      if (timer) clearInterval(timer)
      await unsubscribe?.()
    },
    async userByUid(uid) {
      const hit = userCache.get(uid)
      if (hit && deps.now() - hit.at < USER_TTL_MS) return hit.user
      const [row] = await deps.db.select(snapshotColumns).from(users).where(eq(users.uid, uid)).limit(1)
      return remember(row)
    },
    async userById(id) {
      const uid = uidById.get(id)
      const hit = uid === undefined ? undefined : userCache.get(uid)
      if (hit && hit.user.id === id && deps.now() - hit.at < USER_TTL_MS) return hit.user
      const [row] = await deps.db.select(snapshotColumns).from(users).where(eq(users.id, id)).limit(1)
      return remember(row)
    },
    forgetUser(uid) {
      userCache.delete(uid)
    },
    reload: (name) => reload(name),
  }

  const snapshotColumns = {
    id: users.id,
    uid: users.uid,
    email: users.email,
    role: users.role,
    level: users.level,
    state: users.state,
    otp: users.otp,
    referralId: users.referralId,
  }

  function remember(row: UserSnapshot | undefined): UserSnapshot | null {
    if (!row) return null
    if (userCache.size > 100_000) {
      userCache.clear()
      uidById.clear()
    }
    // Frozen: a snapshot is shared by every request until the next reload (the JWT minter relies on it).
    Object.freeze(row)
    userCache.set(row.uid, { user: row, at: deps.now() })
    uidById.set(row.id, row.uid)
    return row
  }

  async function loadPermissions() {
    cache.permissions = compilePermissions(await deps.db.select().from(permissions))
  }
  async function loadRestrictions() {
    cache.restrictions = compileRestrictions(await deps.db.select().from(restrictions))
  }
  async function loadApiKeys() {
    const rows = await deps.db.select().from(apiKeys)
    const map = new Map<string, ApiKeyEntry>()
    for (const r of rows) {
      let secret: string | null = null
      try {
        secret = deps.secrets.open(r.secretEncrypted)
      } catch {
        deps.logger.error({ kid: r.kid }, 'API key secret cannot be decrypted (wrong BARONG_SECRET_KEY?)')
      }
      map.set(r.kid, { kid: r.kid, userId: r.userId, algorithm: r.algorithm, state: r.state, secret })
    }
    cache.apiKeys = map
  }
  async function readVersions(): Promise<string[]> {
    const rows = await deps.db.select().from(configVersions)
    const changed: string[] = []
    for (const r of rows) {
      if (versions.get(r.name) !== r.version) changed.push(r.name)
      versions.set(r.name, r.version)
    }
    return changed
  }
  async function reload(name: string) {
    if (name === 'permissions') await loadPermissions()
    else if (name === 'restrictions') await loadRestrictions()
    else if (name === 'apikeys') await loadApiKeys()
    else if (name === 'users') {
      userCache.clear()
      uidById.clear()
    }
  }
  async function onMessage(message: string) {
    const [name = '', detail] = message.split(':')
    try {
      if (name === 'users' && detail) userCache.delete(detail)
      else await reload(name)
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message, name }, 'reload failed; the periodic check will retry')
    }
  }
  async function periodic() {
    try {
      for (const name of await readVersions()) await reload(name)
    } catch (err) {
      // Keep serving the last good copy; the database is back when a later check succeeds.
      deps.logger.warn({ err: (err as Error).message }, 'rules version check failed')
    }
  }
  return cache
}
