import { describe, expect, it } from 'vitest'
import { canonicalizePath } from './canonical-path.ts'
import { postAuth, preAuth, statusFor, type AuthFact } from './decide.ts'
import type { PermissionDecision } from './permissions.ts'
import type { RestrictionHit } from './restrictions.ts'

// The two stages gate() calls, authentication running between them (src/authz/gate.ts).
const path = (p: string) => canonicalizePath(p)
const user = (state = 'active', role = 'member'): AuthFact => ({ type: 'user', state, role })
const allow: PermissionDecision = { allowed: true, audit: false, auditTopic: null }
const audit: PermissionDecision = { allowed: true, audit: true, auditTopic: 'money' }
const refuse: PermissionDecision = { allowed: false, audit: false, auditTopic: null }
const hit = (category: RestrictionHit['category'], status: number): RestrictionHit => ({ category, scope: 'ip', status })

const pre = { path: path('/api/v2/x'), restriction: null, pathRule: null, rulesLoaded: true }

describe('preAuth(): path, restrictions and path rules, before anyone is authenticated', () => {
  it.each([
    ['nothing against it: authenticate', {}, { type: 'authenticate' }],
    ['bad path first of all', { path: path('/a/%2e%2e/b'), restriction: hit('maintenance', 471) }, { type: 'deny', status: 400, key: 'authz.invalid_path' }],
    ['no rules loaded: fail closed', { rulesLoaded: false }, { type: 'deny', status: 503, key: 'server.rules_unavailable' }],
    ['maintenance before block', { restriction: hit('maintenance', 471), pathRule: 'block' }, { type: 'deny', status: 471, key: 'authz.restrict.maintenance' }],
    ['blacklist custom code', { restriction: hit('blacklist', 433) }, { type: 'deny', status: 433, key: 'authz.restrict.blacklist' }],
    ['blocklogin', { restriction: hit('blocklogin', 401) }, { type: 'deny', status: 401, key: 'authz.restrict.blocklogin' }],
    ['whitelist continues to rules', { restriction: hit('whitelist', 401), pathRule: 'pass' }, { type: 'pass' }],
    ['block', { pathRule: 'block' }, { type: 'deny', status: 401, key: 'authz.permission_denied' }],
    ['pass skips authentication', { pathRule: 'pass' }, { type: 'pass' }],
  ] as const)('%s', (_, facts, expected) => {
    expect(preAuth({ ...pre, ...(facts as object) })).toEqual(expected)
  })
})

describe('postAuth(): who the caller is, their state and the permission rules; whether the decision is audited', () => {
  it.each([
    ['allowed, not audited', user(), allow, { type: 'allow', audited: false, auditTopic: null }],
    ['an AUDIT row: allowed and audited with its topic', user(), audit, { type: 'allow', audited: true, auditTopic: 'money' }],
    ['authentication failure keeps its key, not audited', { type: 'failed', status: 422, key: 'authz.invalid_api_key_headers' }, allow, { type: 'deny', status: 422, key: 'authz.invalid_api_key_headers' }],
    ['pending passes', user('pending'), allow, { type: 'allow', audited: false, auditTopic: null }],
    ['banned: not active, not audited', user('banned'), allow, { type: 'deny', status: 401, key: 'authz.user_not_active' }],
    ['state before permission', user('locked'), refuse, { type: 'deny', status: 401, key: 'authz.user_not_active' }],
    ['permission refused: denied and audited', user(), refuse, { type: 'deny', status: 401, key: 'authz.invalid_permission', audited: true }],
    ['no permission facts: denied and audited', user(), null, { type: 'deny', status: 401, key: 'authz.invalid_permission', audited: true }],
  ] as const)('%s', (_, auth, permission, expected) => {
    expect(postAuth(auth as AuthFact, permission)).toEqual(expected)
  })

  it.each([
    [401, 'nginx', 401],
    [403, 'nginx', 403],
    [471, 'nginx', 403],
    [422, 'nginx', 403],
    [503, 'nginx', 403],
    [471, 'barong', 471],
  ] as const)('statusFor(%i, %s) = %i', (status, mode, expected) => {
    expect(statusFor(status, mode)).toBe(expected)
  })
})
