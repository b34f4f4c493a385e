import { describe, expect, it } from 'vitest'
import { checkPermission, checkPermissionOf, compilePermissions, type PermissionRow } from './permissions.ts'

const seg = (p: string) => p.split('/').filter((s) => s !== '')
const row = (role: string, verb: string, path: string, action: string, topic: string | null = null): PermissionRow => ({
  role,
  verb,
  path,
  action,
  topic,
})

// A slice of Barong's 2.5.21 seeds (docs/barong-behaviour-notes.md#s6-1) plus edge cases.
const table = compilePermissions([
  row('admin', 'ALL', 'api/v2', 'ACCEPT'),
  row('admin', 'ALL', 'api/v2/barong/admin/permissions', 'DROP'),
  row('admin', 'ALL', 'api/v2/barong/admin/users/role', 'DROP'),
  row('admin', 'POST', 'api/v2/', 'AUDIT', 'admin-writes'),
  row('admin', 'POST', 'api/v2/barong', 'AUDIT', 'second'),
  row('admin', 'PUT', 'api/v2/', 'AUDIT'),
  row('member', 'ALL', 'api/v2/peatio/account', 'ACCEPT'),
  row('member', 'ALL', 'api/v2/barong/resource', 'ACCEPT'),
  row('member', 'GET', 'api/v2/ranger', 'ACCEPT'),
  row('accountant', 'GET', 'api/v2/barong/admin', 'ACCEPT'),
  row('accountant', 'PUT', 'api/v2/barong/admin/users', 'ACCEPT'),
  row('accountant', 'PUT', 'api/v2/barong/admin/users/labels', 'DROP'),
  row('accountant', 'GET', 'api/v2/barong/admin/secret', 'DROP'),
  row('auditonly', 'ALL', 'api/v2', 'AUDIT', 't'),
  row('lower', 'get', 'api/v2/x', 'accept'), // verbs/actions are stored upper-case; be lenient anyway
  row('odd', 'ALL', 'api/v2', 'ACCEPT'),
  row('odd', 'ALL', 'api/v2', 'REJECT'), // unknown action: ignored
  row('__proto__', 'ALL', 'api/v2', 'ACCEPT'),
])

// [role, method, path, allowed, audit, auditTopic]
const cases: [string, string, string, boolean, boolean, string | null][] = [
  ['admin', 'GET', 'api/v2/barong/admin/users', true, false, null],
  ['admin', 'POST', 'api/v2/barong/admin/users', true, true, 'admin-writes'], // FIRST matching AUDIT row
  ['admin', 'PUT', 'api/v2/barong/admin/users', true, true, null], // AUDIT row without topic
  ['admin', 'GET', 'api/v2/barong/admin/permissions', false, false, null], // DROP beats a broader ACCEPT
  ['admin', 'POST', 'api/v2/barong/admin/permissions/1', false, false, null],
  ['admin', 'GET', 'API/V2/BARONG/ADMIN/PERMISSIONS', false, false, null], // DROP is case-insensitive
  ['admin', 'GET', 'api/v2/barong/admin/permissionsX', true, false, null], // whole segments
  ['admin', 'GET', 'api/v3', false, false, null],
  ['admin', 'GET', 'api/v2x/a', false, false, null],
  ['member', 'GET', 'api/v2/peatio/account/balances', true, false, null],
  ['member', 'DELETE', 'api/v2/peatio/account/orders', true, false, null], // ALL verb
  ['member', 'GET', 'api/v2/peatio/accountX', false, false, null],
  ['member', 'GET', 'API/V2/PEATIO/ACCOUNT', false, false, null], // ACCEPT is exact
  ['member', 'GET', 'api/v2/ranger/x', true, false, null],
  ['member', 'HEAD', 'api/v2/ranger/x', true, false, null], // a GET row covers HEAD
  ['member', 'head', 'api/v2/ranger/x', true, false, null],
  ['member', 'POST', 'api/v2/ranger/x', false, false, null],
  ['member', 'GET', 'api/v2/barong/admin', false, false, null],
  ['accountant', 'GET', 'api/v2/barong/admin/users', true, false, null],
  ['accountant', 'HEAD', 'api/v2/barong/admin/users', true, false, null],
  ['accountant', 'PUT', 'api/v2/barong/admin/users', true, false, null],
  ['accountant', 'PUT', 'api/v2/barong/admin/users/labels', false, false, null],
  ['accountant', 'POST', 'api/v2/barong/admin/users', false, false, null],
  ['accountant', 'GET', 'api/v2/barong/admin/secret', false, false, null],
  ['accountant', 'HEAD', 'api/v2/barong/admin/secret', false, false, null], // a GET DROP covers HEAD
  ['auditonly', 'GET', 'api/v2/x', false, false, null], // AUDIT alone never allows
  ['lower', 'GET', 'api/v2/x', true, false, null],
  ['odd', 'GET', 'api/v2/x', true, false, null],
  ['nobody', 'GET', 'api/v2/x', false, false, null], // unknown role
  ['constructor', 'GET', 'api/v2/x', false, false, null],
  ['toString', 'GET', 'api/v2/x', false, false, null],
  ['__proto__', 'GET', 'api/v2/x', true, false, null], // a role is just a string
  ['', 'GET', 'api/v2/x', false, false, null],
]

describe('checkPermission', () => {
  it.each(cases)('%s %s %s → allowed %s, audit %s (%s)', (role, method, path, allowed, audit, auditTopic) => {
    expect(checkPermission(table, role, method, seg(path))).toEqual({ allowed, audit, auditTopic })
  })

  it('denies everything with an empty table', () => {
    expect(checkPermission(compilePermissions([]), 'admin', 'GET', seg('api/v2')).allowed).toBe(false)
  })

  it('treats an empty row path as covering every path, as Barong does', () => {
    const t = compilePermissions([row('r', 'ALL', '', 'ACCEPT'), row('r', 'ALL', 'api/v2/secret', 'DROP')])
    expect(checkPermission(t, 'r', 'GET', seg('anything/at/all')).allowed).toBe(true)
    expect(checkPermission(t, 'r', 'GET', seg('api/v2/Secret/x')).allowed).toBe(false)
  })

  it('ignores a leading slash in a row path', () => {
    const t = compilePermissions([row('r', 'GET', '/api/v2/x', 'ACCEPT')])
    expect(checkPermission(t, 'r', 'GET', seg('api/v2/x/y')).allowed).toBe(true)
  })
})

describe('checkPermissionOf (remembered per table)', () => {
  const asks: [string, string, string][] = [
    ['admin', 'GET', 'api/v2/barong/admin/users'],
    ['admin', 'POST', 'api/v2/barong/admin/permissions'],
    ['admin', 'POST', 'api/v2/barong/identity'],
    ['member', 'GET', 'api/v2/peatio/account/balances'],
    ['member', 'HEAD', 'api/v2/ranger'],
    ['accountant', 'PUT', 'api/v2/barong/admin/users/labels'],
    ['nobody', 'GET', 'api/v2'],
  ]

  it('answers as checkPermission, first time and again', () => {
    for (let round = 0; round < 2; round++) {
      for (const [role, verb, path] of asks) expect(checkPermissionOf(table, role, verb, path, seg(path))).toEqual(checkPermission(table, role, verb, seg(path)))
    }
  })

  it('a reloaded table starts afresh: a decision of the old table is not reused', () => {
    const before = compilePermissions([row('member', 'GET', 'api/v2/x', 'ACCEPT')])
    expect(checkPermissionOf(before, 'member', 'GET', 'api/v2/x', seg('api/v2/x')).allowed).toBe(true)
    const after = compilePermissions([row('member', 'GET', 'api/v2/x', 'ACCEPT'), row('member', 'GET', 'api/v2/x', 'DROP')])
    expect(checkPermissionOf(after, 'member', 'GET', 'api/v2/x', seg('api/v2/x')).allowed).toBe(false)
    expect(checkPermissionOf(before, 'member', 'GET', 'api/v2/x', seg('api/v2/x')).allowed).toBe(true)
  })
})
