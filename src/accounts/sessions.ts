import * as crypto from 'node:crypto'
import { randomBytes } from 'node:crypto'
import { keys } from '../cache/keys.ts'
import type { Store } from '../cache/store.ts'
import type { SessionReplica } from './session-replica.ts'

/** Server-side session: all state lives in the store under the SHA-256 of the cookie value. */
export interface SessionData {
  uid: string
  ip: string
  ua: string | null
  csrf: string
  /** Sliding inactivity deadline (ms). */
  expireAt: number
  /** Absolute deadline (ms): no session outlives it, however active. */
  absoluteExpireAt: number
  createdAt: number
}

export interface Session {
  id: string
  hash: string
  data: SessionData
}

export interface SessionSettings {
  idleMs: number
  absoluteMs: number
}

// The cookie path hashes on every request: the one-shot crypto.hash (Node ≥ 20.12) where there is one, so no
// Hash object is made each time; createHash on older Node 20 releases (package.json engines: Node.js 20+).
export const hashSessionId: (id: string) => string =
  typeof crypto.hash === 'function' ? (id) => crypto.hash('sha256', id, 'hex') : (id) => crypto.createHash('sha256').update(id).digest('hex')

/** 32 random bytes: a fresh id at every login, 2FA completion and privilege change (no fixation). */
const newSessionId = () => randomBytes(32).toString('base64url')
export const newCsrfToken = () => randomBytes(32).toString('hex')

// The record outlives its inactivity deadline (until the absolute one), so a late request is told
// `client_session_mismatch` as Barong does, rather than finding nothing.
function ttlOf(data: SessionData, now: number): number {
  return Math.max(1, data.absoluteExpireAt - now)
}

// Sessions held in the replica share their User-Agent (a few hundred distinct ones, 100+ characters each), their
// owner's uid and often their address: one copy of each instead of one per session (`npm run bench -- replica`).
const shared = new Map<string, string>()
function intern(s: string): string {
  const held = shared.get(s)
  if (held !== undefined) return held
  if (shared.size >= 10_000) shared.clear()
  shared.set(s, s)
  return s
}

export function parseSession(raw: string | null): SessionData | null {
  if (!raw) return null
  try {
    const d = JSON.parse(raw) as SessionData
    if (typeof d.uid !== 'string' || typeof d.expireAt !== 'number') return null
    d.uid = intern(d.uid)
    if (typeof d.ip === 'string') d.ip = intern(d.ip)
    if (typeof d.ua === 'string') d.ua = intern(d.ua)
    return d
  } catch {
    return null
  }
}

/**
 * Every session read and write. Reads come from the instance's replica while its lease holds, else from the
 * store (and then fill the replica; unknown ids are never cached). Every end deletes in the store and tells
 * the other instances in one MULTI, and drops the local entry before it returns
 * (docs/architecture.md "Session replica").
 */
export interface Sessions {
  readonly settings: SessionSettings
  readonly replica: SessionReplica<SessionData>
  open(input: { uid: string; ip: string; ua: string | null; csrf?: string }, now: number): Promise<Session>
  /** By cookie value. */
  read(id: string): Promise<Session | null>
  /** By hash (the session a Bearer JWT was minted for). */
  readHash(hash: string): Promise<SessionData | null>
  /** From the store, past the replica: before refusing an entry that looks expired (another instance may have
   *  slid it). */
  reread(s: Session): Promise<Session | null>
  /** Slides the inactivity deadline at once in memory; the store write (at most once a minute) is off the
   *  request path. */
  touch(s: Session, now: number): void
  end(s: { hash: string; data: { uid: string } }): Promise<void>
  /** Ends every session of a user except `exceptHash`: one set read, one MULTI. */
  endAllOf(uid: string, exceptHash?: string): Promise<number>
  /** What the replica holds, and whether its lease lets it decide from memory now (for /metrics). */
  replicaStats(): { entries: number; leaseHeld: boolean }
  start(): Promise<void>
  stop(): Promise<void>
}

export interface SessionsOptions {
  store: Store
  settings: SessionSettings
  replica: SessionReplica<SessionData>
  heartbeatMs: number
  monotonic: () => number
  onWriteError?: (err: unknown) => void
}

export function createSessions(opts: SessionsOptions): Sessions {
  const { store, settings, replica } = opts
  const instance = randomBytes(6).toString('hex')
  const beatPrefix = `hb:${instance}:`
  let timer: NodeJS.Timeout | undefined
  let unsubscribe: (() => Promise<void>) | undefined

  const load = async (hash: string): Promise<SessionData | null> => {
    const held = replica.get(hash)
    if (held) return held
    const mark = replica.mark()
    const data = parseSession(await store.get(keys.session(hash)))
    if (data) replica.put(hash, data, mark)
    return data
  }
  let beats = 0
  const onMessage = (message: string) => {
    if (message.startsWith(beatPrefix)) {
      const [n, sentAt] = message.slice(beatPrefix.length).split(':')
      replica.heartbeat(Number(n), Number(sentAt))
    } else if (message.startsWith('end:')) replica.drop(message.slice(4).split(','))
  }
  // A beat that fails to go out still uses its number: the gap tells the replica to forget.
  const beat = () => store.publish(keys.sessionEvents, `${beatPrefix}${beats++}:${opts.monotonic()}`).catch(() => {})

  return {
    settings,
    replica,
    async open(input, now) {
      const id = newSessionId()
      const hash = hashSessionId(id)
      const data: SessionData = {
        uid: input.uid,
        ip: input.ip,
        ua: input.ua,
        csrf: input.csrf ?? newCsrfToken(),
        expireAt: now + settings.idleMs,
        absoluteExpireAt: now + settings.absoluteMs,
        createdAt: now,
      }
      await store.writeAll([
        { op: 'set', key: keys.session(hash), value: JSON.stringify(data), ttlMs: ttlOf(data, now) },
        { op: 'sadd', key: keys.userSessions(input.uid), member: hash, ttlMs: settings.absoluteMs },
      ])
      return { id, hash, data }
    },
    async read(id) {
      const hash = hashSessionId(id)
      const data = await load(hash)
      return data ? { id, hash, data } : null
    },
    readHash: load,
    async reread(s) {
      replica.drop([s.hash])
      const mark = replica.mark()
      const data = parseSession(await store.get(keys.session(s.hash)))
      if (!data) return null
      replica.put(s.hash, data, mark)
      return { id: s.id, hash: s.hash, data }
    },
    touch(s, now, minWriteMs = 60_000) {
      const target = now + settings.idleMs
      if (target - s.data.expireAt < Math.min(minWriteMs, settings.idleMs / 10)) return
      s.data.expireAt = target
      // XX: this request may have been decided just before another instance ended the session; the slide must
      // not write it back. Finding it gone, the replica forgets it (had the end's message been lost).
      store.setIfPresent(keys.session(s.hash), JSON.stringify(s.data), ttlOf(s.data, now)).then(
        (present) => present || replica.drop([s.hash]),
        (err: unknown) => opts.onWriteError?.(err),
      )
    },
    async end(s) {
      await store.delAndPublish({ del: [keys.session(s.hash)], srem: { key: keys.userSessions(s.data.uid), members: [s.hash] }, channel: keys.sessionEvents, message: `end:${s.hash}` })
      replica.drop([s.hash])
    },
    async endAllOf(uid, exceptHash) {
      const hashes = (await store.smembers(keys.userSessions(uid))).filter((h) => h !== exceptHash)
      if (!hashes.length) return 0
      await store.delAndPublish({ del: hashes.map((h) => keys.session(h)), srem: { key: keys.userSessions(uid), members: hashes }, channel: keys.sessionEvents, message: `end:${hashes.join(',')}` })
      replica.drop(hashes)
      return hashes.length
    },
    replicaStats: () => ({ entries: replica.size, leaseHeld: replica.leaseHeld() }),
    async start() {
      unsubscribe = await store.subscribe(keys.sessionEvents, onMessage, () => replica.forgetAll())
      void beat()
      timer = setInterval(beat, opts.heartbeatMs)
      timer.unref()
    },
    async stop() {
      clearInterval(timer)
      await unsubscribe?.()
    },
  }
}

/** Barong binds a session to the login IP's /16 (IPv4) or /96 (IPv6). */
export function sameNetwork(a: string, b: string): boolean {
  if (a === b) return true
  const v4 = (ip: string) => ip.replace(/^::ffff:/i, '').split('.')
  const x = v4(a)
  const y = v4(b)
  if (x.length === 4 && y.length === 4) return x[0] === y[0] && x[1] === y[1]
  if (a.includes(':') && b.includes(':')) return expandV6(a).slice(0, 6).join(':') === expandV6(b).slice(0, 6).join(':')
  return false
}

function expandV6(ip: string): string[] {
  const [head = '', tail = ''] = ip.toLowerCase().split('::')
  const h = head ? head.split(':') : []
  const t = ip.includes('::') ? (tail ? tail.split(':') : []) : []
  const fill = ip.includes('::') ? Array(8 - h.length - t.length).fill('0') : []
  return [...h, ...fill, ...t].map((p) => p.padStart(4, '0'))
}
