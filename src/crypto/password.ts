import { hash, verify, type Algorithm } from '@node-rs/argon2'
import bcrypt from 'bcryptjs'
import { availableParallelism } from 'node:os'

/** Pinned Argon2id parameters (OWASP: m=19 MiB, t=2, p=1); asserted by a test on the PHC string. */
// Algorithm.Argon2id is a const enum (2), which isolated modules cannot read.
export const ARGON2_PARAMS = { algorithm: 2 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

const MAX_INPUT_BYTES = 1024

/** Raised when too many hashes are waiting: the caller answers 503 quickly instead of queueing forever. */
export class HashBusyError extends Error {
  constructor() {
    super('password hashing is saturated')
    this.name = 'HashBusyError'
  }
}

/**
 * Argon2 runs on libuv's thread pool. At most one hash per core the process may run on (`taskset`, a container's
 * cpuset: `availableParallelism()` counts those): more at once only makes each slower (19 MiB apiece, evicting each
 * other from the CPU caches: 77 verifies/s at 4 on one core against 99/s one at a time in `npm run bench -- login`).
 * The count is read again at every hash (one `sched_getaffinity`, nothing beside a 10 ms hash), so a process moved
 * to fewer cores after it started follows. One pool thread always stays free for file and DNS work, which four
 * hashes used to hold up.
 */
const POOL_THREADS = Number(process.env.UV_THREADPOOL_SIZE) || 4
const maxActive = () => Math.max(1, Math.min(availableParallelism(), POOL_THREADS - 1))
const MAX_WAITING = 256
let active = 0
const waiting: Array<() => void> = []

async function inSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= maxActive()) {
    if (waiting.length >= MAX_WAITING) throw new HashBusyError()
    await new Promise<void>((resolve) => waiting.push(resolve))
  } else active++
  try {
    return await fn()
  } finally {
    // The slot passes to the next waiting hash, unless the process now has fewer cores than hashes running.
    const next = active <= maxActive() ? waiting.shift() : undefined
    if (next) next()
    else active--
  }
}

export function hashPassword(password: string): Promise<string> {
  return inSlot(() => hash(password, ARGON2_PARAMS))
}

export const isBcryptHash = (digest: string) => /^\$2[abxy]\$\d{2}\$/.test(digest)

/** True when the digest should be replaced by a fresh Argon2id hash after a successful login. */
export function needsRehash(digest: string): boolean {
  return !digest.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')
}

/**
 * Verifies Argon2id, or a bcrypt digest imported from Barong. bcrypt reads only 72 bytes, so longer
 * inputs are refused for bcrypt rows: two passwords sharing a 72-byte prefix must not both pass.
 */
export async function verifyPassword(digest: string, password: string): Promise<boolean> {
  const bytes = Buffer.byteLength(password, 'utf8')
  if (bytes > MAX_INPUT_BYTES) return false
  if (isBcryptHash(digest)) {
    if (bytes > 72) return false
    return inSlot(() => bcrypt.compare(password, digest))
  }
  if (!digest.startsWith('$argon2')) return false
  return inSlot(async () => {
    try {
      return await verify(digest, password)
    } catch {
      return false
    }
  })
}

// A real hash of a random string: verifying against it costs what a real check costs (no timing oracle).
let dummy: Promise<string> | undefined
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword(`dummy-${Math.random()}`)
  await verifyPassword(await dummy, password)
}
