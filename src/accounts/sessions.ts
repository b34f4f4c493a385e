import * as crypto from 'node:crypto'
import { randomBytes } from 'node:crypto'
import { keys } from '../cache/keys.ts'
import type { Store } from '../cache/store.ts'

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

export async function openSession(
  store: Store,
  settings: SessionSettings,
  input: { uid: string; ip: string; ua: string | null; csrf?: string },
  now: number,
): Promise<Session> {
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
  await store.set(keys.session(hash), JSON.stringify(data), ttlOf(data, now))
  await store.sadd(keys.userSessions(input.uid), hash, settings.absoluteMs)
  return { id, hash, data }
}

export function parseSession(raw: string | null): SessionData | null {
  if (!raw) return null
  try {
    const d = JSON.parse(raw) as SessionData
    return typeof d.uid === 'string' && typeof d.expireAt === 'number' ? d : null
  } catch {
    return null
  }
}

export async function readSession(store: Store, id: string): Promise<Session | null> {
  const hash = hashSessionId(id)
  const data = parseSession(await store.get(keys.session(hash)))
  return data ? { id, hash, data } : null
}

/** Slides the inactivity deadline; writes at most once per `minWriteMs` to keep requests read-only. */
export async function touchSession(store: Store, settings: SessionSettings, s: Session, now: number, minWriteMs = 60_000): Promise<void> {
  const target = now + settings.idleMs
  if (target - s.data.expireAt < Math.min(minWriteMs, settings.idleMs / 10)) return
  s.data.expireAt = target
  await store.set(keys.session(s.hash), JSON.stringify(s.data), ttlOf(s.data, now))
}

export async function destroySession(store: Store, s: { hash: string; data: { uid: string } }): Promise<void> {
  await store.del(keys.session(s.hash))
  await store.srem(keys.userSessions(s.data.uid), s.hash)
}

/** Ends every session of a user except `exceptHash`: one set read, no KEYS scan. */
export async function destroyUserSessions(store: Store, uid: string, exceptHash?: string): Promise<number> {
  const hashes = (await store.smembers(keys.userSessions(uid))).filter((h) => h !== exceptHash)
  if (!hashes.length) return 0
  await store.del(...hashes.map((h) => keys.session(h)))
  for (const h of hashes) await store.srem(keys.userSessions(uid), h)
  return hashes.length
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
