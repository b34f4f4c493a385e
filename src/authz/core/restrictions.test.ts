import { describe, expect, it } from 'vitest'
import { compileRestrictions, firstRestriction, type GeoFacts, type RestrictionRow } from './restrictions.ts'

const r = (category: string, scope: string, value: string, code: number | null = null, state = 'enabled'): RestrictionRow => ({
  category,
  scope,
  value,
  code,
  state,
})

const japan: GeoFacts = {
  ip: '198.51.100.7',
  country: { iso: 'JP', name: 'Japan' },
  continent: { code: 'AS', name: 'Asia' },
}
const usa: GeoFacts = {
  ip: '203.0.113.5',
  country: { iso: 'US', name: 'United States' },
  continent: { code: 'NA', name: 'North America' },
}
const unknownGeo: GeoFacts = { ip: '192.0.2.1', country: null, continent: null }
const mapped: GeoFacts = { ...unknownGeo, ip: '::ffff:192.0.2.1' }
const v6: GeoFacts = { ...unknownGeo, ip: '2001:db8::5' }

type Expect = { category: string; scope: string; status: number } | null
const hit = (category: string, scope: string, status: number): Expect => ({ category, scope, status })

// [name, rows, facts, isLoginPath, expected]
const cases: [string, RestrictionRow[], GeoFacts, boolean, Expect][] = [
  ['no rows', [], japan, false, null],
  ['blacklist all', [r('blacklist', 'all', 'all')], japan, false, hit('blacklist', 'all', 401)],
  ['maintenance all: 471', [r('maintenance', 'all', 'all')], japan, false, hit('maintenance', 'all', 471)],
  ['maintenance custom code', [r('maintenance', 'all', 'all', 503)], japan, false, hit('maintenance', 'all', 503)],
  ['disabled rows ignored', [r('blacklist', 'all', 'all', null, 'disabled')], japan, false, null],
  ['unknown category ignored', [r('greylist', 'all', 'all')], japan, false, null],
  ['unknown scope ignored', [r('blacklist', 'planet', 'earth')], japan, false, null],
  // ip
  ['ip exact', [r('blacklist', 'ip', '198.51.100.7', 433)], japan, false, hit('blacklist', 'ip', 433)],
  ['ip default 401', [r('blacklist', 'ip', '198.51.100.7')], japan, false, hit('blacklist', 'ip', 401)],
  ['ip other', [r('blacklist', 'ip', '198.51.100.8')], japan, false, null],
  ['ip vs mapped client', [r('blacklist', 'ip', '192.0.2.1')], mapped, false, hit('blacklist', 'ip', 401)],
  ['mapped ip row vs client', [r('blacklist', 'ip', '::ffff:192.0.2.1')], unknownGeo, false, hit('blacklist', 'ip', 401)],
  ['ipv6 row in another spelling', [r('blacklist', 'ip', '2001:0DB8:0::5')], v6, false, hit('blacklist', 'ip', 401)],
  ['invalid ip row never matches', [r('blacklist', 'ip', 'localhost')], japan, false, null],
  // ip_subnet
  ['subnet v4', [r('blacklist', 'ip_subnet', '198.51.100.0/24', 434)], japan, false, hit('blacklist', 'ip_subnet', 434)],
  ['subnet default 403', [r('blacklist', 'ip_subnet', '198.51.0.0/16')], japan, false, hit('blacklist', 'ip_subnet', 403)],
  ['subnet outside', [r('blacklist', 'ip_subnet', '198.51.101.0/24')], japan, false, null],
  ['subnet v6', [r('blacklist', 'ip_subnet', '2001:db8::/32')], v6, false, hit('blacklist', 'ip_subnet', 403)],
  ['subnet vs mapped client', [r('blacklist', 'ip_subnet', '192.0.2.0/24')], mapped, false, hit('blacklist', 'ip_subnet', 403)],
  ['invalid subnet ignored', [r('blacklist', 'ip_subnet', '192.0.2.0/40')], unknownGeo, false, null],
  // country: GeoIP name, alpha-2, alpha-3, any case
  ['country name', [r('blacklist', 'country', 'Japan')], japan, false, hit('blacklist', 'country', 423)],
  ['country name lower-case', [r('blacklist', 'country', 'japan')], japan, false, hit('blacklist', 'country', 423)],
  ['country alpha-2', [r('blacklist', 'country', 'JP')], japan, false, hit('blacklist', 'country', 423)],
  ['country alpha-2 lower', [r('blacklist', 'country', 'jp')], japan, false, hit('blacklist', 'country', 423)],
  ['country alpha-3 (Barong seed USA)', [r('blacklist', 'country', 'USA', 435)], usa, false, hit('blacklist', 'country', 435)],
  ['country alpha-3 lower', [r('blacklist', 'country', 'jpn')], japan, false, hit('blacklist', 'country', 423)],
  ['country with spaces', [r('blacklist', 'country', ' Japan ')], japan, false, hit('blacklist', 'country', 423)],
  ['country other', [r('blacklist', 'country', 'US')], japan, false, null],
  ['country unknown geo', [r('blacklist', 'country', 'US')], unknownGeo, false, null],
  // continent: name or code
  ['continent code', [r('blacklist', 'continent', 'AS', 436)], japan, false, hit('blacklist', 'continent', 436)],
  ['continent name', [r('blacklist', 'continent', 'asia')], japan, false, hit('blacklist', 'continent', 423)],
  ['continent SA vs NA', [r('blacklist', 'continent', 'SA')], usa, false, null],
  ['continent NA', [r('blacklist', 'continent', 'na')], usa, false, hit('blacklist', 'continent', 423)],
  ['country value is not a continent', [r('blacklist', 'country', 'AS')], japan, false, null],
  // scope order inside a category: all → ip → ip_subnet → continent → country
  [
    'ip before subnet',
    [r('blacklist', 'ip_subnet', '198.51.100.0/24', 434), r('blacklist', 'ip', '198.51.100.7', 433)],
    japan,
    false,
    hit('blacklist', 'ip', 433),
  ],
  [
    'continent before country',
    [r('blacklist', 'country', 'JP', 435), r('blacklist', 'continent', 'AS', 436)],
    japan,
    false,
    hit('blacklist', 'continent', 436),
  ],
  [
    'all before everything',
    [r('blacklist', 'ip', '198.51.100.7', 433), r('blacklist', 'all', 'all', 499)],
    japan,
    false,
    hit('blacklist', 'all', 499),
  ],
  [
    'first row wins within a scope (name vs code)',
    [r('blacklist', 'country', 'JP', 451), r('blacklist', 'country', 'Japan', 452)],
    japan,
    false,
    hit('blacklist', 'country', 451),
  ],
  [
    'first row wins within a scope (code after name)',
    [r('blacklist', 'country', 'Japan', 452), r('blacklist', 'country', 'JPN', 451)],
    japan,
    false,
    hit('blacklist', 'country', 452),
  ],
  // category order
  [
    'whitelist stops checking',
    [r('blacklist', 'all', 'all'), r('whitelist', 'ip', '198.51.100.7')],
    japan,
    false,
    hit('whitelist', 'ip', 401),
  ],
  ['whitelist ignores a custom code', [r('whitelist', 'country', 'JP', 999)], japan, false, hit('whitelist', 'country', 423)],
  [
    'whitelist elsewhere does not stop the blacklist',
    [r('whitelist', 'country', 'US'), r('blacklist', 'all', 'all')],
    japan,
    false,
    hit('blacklist', 'all', 401),
  ],
  [
    'maintenance before blacklist',
    [r('blacklist', 'ip', '198.51.100.7'), r('maintenance', 'all', 'all')],
    japan,
    false,
    hit('maintenance', 'all', 471),
  ],
  ['blocklogin off the login path', [r('blocklogin', 'all', 'all')], japan, false, null],
  ['blocklogin on the login path', [r('blocklogin', 'country', 'JP', 403)], japan, true, hit('blocklogin', 'country', 403)],
  [
    'blacklist before blocklogin',
    [r('blocklogin', 'all', 'all', 402), r('blacklist', 'ip', '198.51.100.7')],
    japan,
    true,
    hit('blacklist', 'ip', 401),
  ],
  ['unparseable client ip still checks geo', [r('blacklist', 'country', 'JP')], { ...japan, ip: 'garbage' }, false, hit('blacklist', 'country', 423)],
]

describe('firstRestriction', () => {
  it.each(cases)('%s', (_name, rows, facts, isLoginPath, expected) => {
    expect(firstRestriction(compileRestrictions(rows), facts, { isLoginPath })).toEqual(expected)
  })
})
