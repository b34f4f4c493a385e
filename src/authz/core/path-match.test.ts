import { describe, expect, it } from 'vitest'
import { denyForm, foldCase, splitPrefix, startsWithDenyPrefix, startsWithSegments } from './path-match.ts'

const seg = (p: string) => p.split('/').filter((s) => s !== '')

// [path, prefix, allow-rule match (exact), deny-rule match (every spelling)]: how authz-rules.ts and permissions.ts compose them
const table: [string, string, boolean, boolean][] = [
  ['api/v2/barong/admin/users', 'api/v2/barong/admin', true, true],
  ['api/v2/barong/admin', 'api/v2/barong/admin', true, true],
  ['api/v2/barong/administrator', 'api/v2/barong/admin', false, false],
  ['api/v2/barong/admin', 'api/v2/barong/admin/users', false, false],
  ['api/v2/barong/identityX/a', 'api/v2/barong/identity', false, false],
  ['api/v2/peatio/x', 'api/v2/', true, true],
  ['api/v2/peatio/x', '/api/v2', true, true],
  ['api/v2/peatio/x', '/api//v2/', true, true],
  ['api/v2/peatio/x', '', true, true],
  ['', '', true, true],
  ['', 'api', false, false],
  ['api/v2x', 'api/v2', false, false],
  ['API/V2/BARONG/MANAGEMENT', 'api/v2/barong/management', false, true],
  ['Api/v2/barong/Management/x', 'api/v2/barong/management', false, true],
  ['api/v2/barong/management', 'API/V2/BARONG/MANAGEMENT', false, true],
  ['api/v2/peatio/\u212Ayc', 'api/v2/peatio/kyc', false, true], // Kelvin sign K
  ['api/v2/barong/ſession', 'api/v2/barong/session', false, true], // long s
  ['api/v2/barong/managementx', 'api/v2/barong/management', false, false],
  // Spellings an upstream routes to the same handler: `.format` on the last segment, trailing dots/spaces, NFKC.
  ['api/v2/barong/admin/users/role.json', 'api/v2/barong/admin/users/role', false, true],
  ['api/v2/barong/admin/users/role.json.xml', 'api/v2/barong/admin/users/role', false, true],
  ['api/v2/barong/admin/users/role .json', 'api/v2/barong/admin/users/role', false, true],
  ['api/v2/barong/admin.json', 'api/v2/barong/admin', false, true],
  ['api/v2/barong/admin./users', 'api/v2/barong/admin', false, true],
  ['api/v2/barong/admin /users', 'api/v2/barong/admin', false, true],
  ['api/v2/barong/admin\u3000/users', 'api/v2/barong/admin', false, true], // ideographic space
  ['api/v2/barong/\uFF41\uFF44\uFF4D\uFF49\uFF4E/users', 'api/v2/barong/admin', false, true], // fullwidth
  ['api/v2/barong/admin/users/roles', 'api/v2/barong/admin/users/role', false, false],
  ['api/v2/barong/admin/users/role_json', 'api/v2/barong/admin/users/role', false, false],
  ['api/v2/barong/admin.json/users', 'api/v2/barong/admin/users', false, false], // not the last segment: no format
]

describe('startsWithSegments (allow rules) and startsWithDenyPrefix on denyForm (deny rules)', () => {
  it.each(table)('%j under %j: exact %s, deny %s', (path, prefix, exact, deny) => {
    expect(startsWithSegments(seg(path), splitPrefix(prefix))).toBe(exact)
    expect(startsWithDenyPrefix(seg(path).map(denyForm), splitPrefix(prefix).map(denyForm))).toBe(deny)
  })
})

describe('splitPrefix / foldCase', () => {
  it.each([
    ['api/v2/', ['api', 'v2']],
    ['/api//v2', ['api', 'v2']],
    ['', []],
    ['/', []],
  ] as [string, string[]][])('splitPrefix(%j)', (input, out) => {
    expect(splitPrefix(input)).toEqual(out)
  })

  it.each([
    ['ABC', 'abc'],
    ['abc', 'abc'],
    ['ÉCOLE', 'école'],
    ['\u212A', 'k'],
    ['ſ', 's'],
  ])('foldCase(%j) = %j', (input, out) => {
    expect(foldCase(input)).toBe(out)
  })
})
