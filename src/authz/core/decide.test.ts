import { describe, expect, it } from 'vitest'
import { canonicalizePath } from './canonical-path.ts'
import { decide, statusFor, type AuthFact } from './decide.ts'
import type { PermissionDecision } from './permissions.ts'
import type { RestrictionHit } from './restrictions.ts'

const path = (p: string) => canonicalizePath(p)
const user = (state = 'active', role = 'member'): AuthFact => ({ type: 'user', state, role })
const allow: PermissionDecision = { allowed: true, audit: false, auditTopic: null }
const audit: PermissionDecision = { allowed: true, audit: true, auditTopic: 'money' }
const refuse: PermissionDecision = { allowed: false, audit: false, auditTopic: null }
const hit = (category: RestrictionHit['category'], status: number): RestrictionHit => ({ category, scope: 'ip', status })

const base = { path: path('/api/v2/x'), restriction: null, pathRule: null, rulesLoaded: true, auth: user(), permission: allow }

describe('decide(): facts in, decision out', () => {
  it.each([
    ['allowed', {}, { type: 'allow', audit: false, auditTopic: null }],
    ['audited', { permission: audit }, { type: 'allow', audit: true, auditTopic: 'money' }],
    ['bad path first of all', { path: path('/a/%2e%2e/b'), restriction: hit('maintenance', 471) }, { type: 'deny', status: 400, key: 'authz.invalid_path' }],
    ['no rules loaded: fail closed', { rulesLoaded: false }, { type: 'deny', status: 503, key: 'server.rules_unavailable' }],
    ['maintenance before block', { restriction: hit('maintenance', 471), pathRule: 'block' }, { type: 'deny', status: 471, key: 'authz.restrict.maintenance' }],
    ['blacklist custom code', { restriction: hit('blacklist', 433) }, { type: 'deny', status: 433, key: 'authz.restrict.blacklist' }],
    ['blocklogin', { restriction: hit('blocklogin', 401) }, { type: 'deny', status: 401, key: 'authz.restrict.blocklogin' }],
    ['whitelist continues to rules', { restriction: hit('whitelist', 401), pathRule: 'pass' }, { type: 'pass' }],
    ['block', { pathRule: 'block' }, { type: 'deny', status: 401, key: 'authz.permission_denied' }],
    ['pass skips authentication', { pathRule: 'pass', auth: { type: 'failed', status: 401, key: 'authz.invalid_session' } }, { type: 'pass' }],
    ['authentication failure keeps its key', { auth: { type: 'failed', status: 422, key: 'authz.invalid_api_key_headers' } }, { type: 'deny', status: 422, key: 'authz.invalid_api_key_headers' }],
    ['pending passes', { auth: user('pending') }, { type: 'allow', audit: false, auditTopic: null }],
    ['banned', { auth: user('banned') }, { type: 'deny', status: 401, key: 'authz.user_not_active' }],
    ['state before permission', { auth: user('locked'), permission: refuse }, { type: 'deny', status: 401, key: 'authz.user_not_active' }],
    ['permission refused', { permission: refuse }, { type: 'deny', status: 401, key: 'authz.invalid_permission' }],
    ['no permission facts', { permission: null }, { type: 'deny', status: 401, key: 'authz.invalid_permission' }],
  ] as const)('%s', (_, facts, expected) => {
    expect(decide({ ...base, ...(facts as object) })).toEqual(expected)
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
