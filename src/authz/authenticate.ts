import { keys as storeKeys } from '../cache/keys.ts'
import type { Store } from '../cache/store.ts'
import { sameNetwork, type Sessions } from '../accounts/sessions.ts'
import { safeEqual } from '../util/safe-equal.ts'
import type { SigningKeys } from '../crypto/keys.ts'
import type { AuthRequest, Principal } from './request.ts'
import { checkApiKeyHeaders, checkNonce, signatureValid } from './core/api-key-signature.ts'
import type { AuthzCache, UserSnapshot } from './authz-cache.ts'
import { verifySessionJwt } from './session-jwt.ts'

export type AuthResult =
  | { type: 'failed'; status: number; key: string; userId?: number; clearCookie?: boolean }
  | { type: 'user'; user: UserSnapshot; principal: Principal; /** cookie path: the session's absolute end (ms) */ sessionEndsAt?: number }

export interface AuthDeps {
  cache: AuthzCache
  store: Store
  keys: SigningKeys
  now: () => number
  csrf: boolean
  nonceLifetimeMs: number
  sessions: Sessions
}

/** Methods that need no CSRF token; every other one does, custom verbs (PROPFIND, PURGE…) included. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])
const fail = (status: number, key: string, userId?: number): AuthResult => ({ type: 'failed', status, key, ...(userId ? { userId } : {}) })

/** API-key headers win over a cookie (Barong's rule); a Bearer JWT only where allowed; else the cookie. */
export async function authenticate(deps: AuthDeps, req: AuthRequest): Promise<AuthResult> {
  const h = { apikey: req.header('x-auth-apikey'), nonce: req.header('x-auth-nonce'), signature: req.header('x-auth-signature') }
  const kind = checkApiKeyHeaders(h)
  if (kind === 'incomplete') return fail(422, 'authz.invalid_api_key_headers')
  if (kind === 'ok') return byApiKey(deps, h.apikey!.trim(), h.nonce!.trim(), h.signature!.trim())
  if (req.allowBearer) {
    const auth = req.header('authorization')
    if (auth && /^Bearer\s+/i.test(auth)) return byBearer(deps, auth.replace(/^Bearer\s+/i, '').trim())
  }
  return byCookie(deps, req)
}

async function byApiKey(deps: AuthDeps, kid: string, nonce: string, signature: string): Promise<AuthResult> {
  const key = deps.cache.apiKeys.get(kid)
  if (!key || !key.secret) return fail(401, 'authz.unexistent_apikey')
  const now = deps.now()
  const nonceError = checkNonce(nonce, now, deps.nonceLifetimeMs)
  if (nonceError) return fail(401, nonceError)
  if (!signatureValid(key.secret, nonce, kid, signature, key.algorithm)) return fail(401, 'authz.invalid_signature')
  // Single use within the window (Barong only checks the time): a captured triple cannot be replayed.
  if (!(await deps.store.setIfAbsent(storeKeys.apiKeyNonce(kid, nonce), '1', deps.nonceLifetimeMs * 2))) {
    return fail(401, 'authz.nonce_reused')
  }
  if (key.state !== 'active') return fail(401, 'authz.apikey_not_active')
  const user = await deps.cache.userById(key.userId)
  if (!user || (user.state !== 'active' && user.state !== 'pending')) return fail(401, 'authz.invalid_session')
  if (!user.otp) return fail(401, 'authz.disabled_2fa', user.id)
  return { type: 'user', user, principal: { kind: 'apikey', uid: user.uid, userId: user.id, role: user.role, ref: kid } }
}

async function byBearer(deps: AuthDeps, token: string): Promise<AuthResult> {
  const now = deps.now()
  const claims = await verifySessionJwt(deps.keys, token, now)
  if (!claims) return fail(401, 'jwt.decode_and_verify')
  const user = await deps.cache.userByUid(claims.uid)
  if (!user) return fail(404, 'record.not_found')
  // The JWT lives no longer than what it was minted for: a logout, a password reset or a key switched off ends it.
  if (claims.ref.kind === 'session') {
    const session = await deps.sessions.readHash(claims.ref.hash)
    if (!session || session.uid !== user.uid || now >= session.expireAt || now >= session.absoluteExpireAt) return fail(401, 'authz.invalid_session')
  } else {
    const key = deps.cache.apiKeys.get(claims.ref.kid)
    if (!key || key.userId !== user.id) return fail(401, 'authz.unexistent_apikey')
    if (key.state !== 'active') return fail(401, 'authz.apikey_not_active')
  }
  const sessionHash = claims.ref.kind === 'session' ? claims.ref.hash : undefined
  return { type: 'user', user, principal: { kind: 'bearer', uid: user.uid, userId: user.id, role: user.role, ref: 'jwt', sessionHash } }
}

async function byCookie(deps: AuthDeps, req: AuthRequest): Promise<AuthResult> {
  const csrfChecked = deps.csrf && !SAFE_METHODS.has(req.method.toUpperCase())
  const csrfHeader = req.header('x-csrf-token')
  if (csrfChecked && !csrfHeader) return fail(401, 'authz.missing_csrf_token')
  let session = req.sessionId ? await deps.sessions.read(req.sessionId) : null
  if (!session) return fail(401, csrfChecked ? 'authz.csrf_token_mismatch' : 'authz.invalid_session')
  if (csrfChecked && !safeEqual(csrfHeader!, session.data.csrf)) return fail(401, 'authz.csrf_token_mismatch')
  const now = deps.now()
  // Another instance may have slid the deadline since this one read the session: ask the store before refusing.
  if (now >= session.data.expireAt && now < session.data.absoluteExpireAt) {
    session = await deps.sessions.reread(session)
    if (!session) return fail(401, 'authz.invalid_session')
  }
  const d = session.data
  const ua = req.header('user-agent') ?? null
  if (ua !== d.ua || now >= d.expireAt || now >= d.absoluteExpireAt || !sameNetwork(d.ip, req.ip)) {
    await deps.sessions.end(session)
    return { type: 'failed', status: 401, key: 'authz.client_session_mismatch', clearCookie: true }
  }
  const user = await deps.cache.userByUid(d.uid)
  if (!user) {
    await deps.sessions.end(session)
    return fail(401, 'authz.invalid_session')
  }
  deps.sessions.touch(session, now)
  return {
    type: 'user',
    user,
    principal: { kind: 'session', uid: user.uid, userId: user.id, role: user.role, ref: session.hash, sessionHash: session.hash, csrfToken: d.csrf },
    sessionEndsAt: d.absoluteExpireAt,
  }
}
