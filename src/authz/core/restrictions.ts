/**
 * IP/geo restrictions (docs/barong-behaviour-notes.md#s1-2 step 1, #s4-4-8): the first enabled row that matches,
 * category by category.
 *
 * Differences from Barong, on purpose: country/continent rows also match ISO codes (docs/differences-from-barong.md#d6 —
 * Barong compared only GeoIP names, so its own `USA`/`SA` seeds never matched), `ip` rows compare canonical
 * addresses, and `ip_subnet` rows accept IPv6 CIDRs too.
 */
import { countryByAlpha3 } from './countries.ts'
import { restrictionCode, type Category } from './restriction-codes.ts'
import { formatIp, ipInCidr, parseCidr, parseIp, type Cidr, type ParsedIp } from './ip.ts'

export interface RestrictionRow {
  category: string
  scope: string
  value: string
  code: number | null
  state: string
}

export interface GeoFacts {
  ip: string
  country: { iso: string; name: string } | null
  continent: { code: string; name: string } | null
}

export interface RestrictionHit {
  category: Category
  /** Informational (logs); the caller answers with `status` and `authz.restrict.<category>`. */
  scope: string
  status: number
}

interface Hit {
  order: number // row position: within a scope the first row wins
  scope: string
  status: number
}

interface CategoryTable {
  all: Hit | null
  ips: Map<string, Hit> // canonical address text
  subnets: { cidr: Cidr; hit: Hit }[]
  continents: Map<string, Hit> // lower-cased name or code
  countries: Map<string, Hit> // lower-cased name or alpha-2 (alpha-3 values are stored under alpha-2 as well)
}

export type RestrictionTable = ReadonlyMap<Category, CategoryTable>

// Barong's order; blocklogin (2.6) only applies to the login path.
const ORDER: readonly Category[] = ['whitelist', 'maintenance', 'blacklist', 'blocklogin']

export function compileRestrictions(rows: readonly RestrictionRow[]): RestrictionTable {
  const table = new Map<Category, CategoryTable>()
  rows.forEach((row, order) => {
    if (row.state !== 'enabled') return
    const category = ORDER.find((c) => c === row.category)
    if (category === undefined) return
    let t = table.get(category)
    if (!t) table.set(category, (t = { all: null, ips: new Map(), subnets: [], continents: new Map(), countries: new Map() }))
    const hit: Hit = { order, scope: row.scope, status: restrictionCode(category, row.scope, row.code) }
    const value = row.value.trim()
    switch (row.scope) {
      case 'all':
        t.all ??= hit
        break
      case 'ip': {
        // A value that is not an address cannot equal a client address: dropped, like a typo'd row in Barong.
        const ip = parseIp(value)
        if (ip) addFirst(t.ips, formatIp(ip), hit)
        break
      }
      case 'ip_subnet': {
        const cidr = parseCidr(value)
        if (cidr) t.subnets.push({ cidr, hit })
        break
      }
      case 'continent':
        addFirst(t.continents, value.toLowerCase(), hit)
        break
      case 'country': {
        addFirst(t.countries, value.toLowerCase(), hit)
        // Operators write `USA` (Barong's own seed) as often as `US`.
        const alpha2 = countryByAlpha3(value)?.alpha2
        if (alpha2) addFirst(t.countries, alpha2.toLowerCase(), hit)
        break
      }
    }
  })
  return table
}

function addFirst(map: Map<string, Hit>, key: string, hit: Hit): void {
  if (key !== '' && !map.has(key)) map.set(key, hit)
}

/** The restriction that decides the request, or null. A `whitelist` hit means "stop checking restrictions". */
export function firstRestriction(
  table: RestrictionTable,
  facts: GeoFacts,
  opts: { isLoginPath: boolean },
): RestrictionHit | null {
  if (table.size === 0) return null
  const ip = parseIp(facts.ip.trim()) // `::ffff:1.2.3.4` becomes 1.2.3.4 here
  const ipKey = ip ? formatIp(ip) : null
  for (const category of ORDER) {
    if (category === 'blocklogin' && !opts.isLoginPath) continue
    const t = table.get(category)
    if (!t) continue
    const hit = matchCategory(t, ip, ipKey, facts)
    if (hit) return { category, scope: hit.scope, status: hit.status }
  }
  return null
}

function matchCategory(t: CategoryTable, ip: ParsedIp | null, ipKey: string | null, facts: GeoFacts): Hit | null {
  // Scope order as Barong's code runs it: all → ip → ip_subnet → continent → country.
  if (t.all) return t.all
  if (ipKey !== null) {
    const hit = t.ips.get(ipKey)
    if (hit) return hit
  }
  if (ip) {
    for (const s of t.subnets) if (ipInCidr(ip, s.cidr)) return s.hit
  }
  if (facts.continent) {
    const hit = firstOf(t.continents, facts.continent.name, facts.continent.code)
    if (hit) return hit
  }
  if (facts.country) return firstOf(t.countries, facts.country.name, facts.country.iso)
  return null
}

/** The earlier row of those matching by name or by code. */
function firstOf(map: Map<string, Hit>, name: string, code: string): Hit | null {
  const byName = name ? map.get(name.trim().toLowerCase()) : undefined
  const byCode = code ? map.get(code.trim().toLowerCase()) : undefined
  if (byName && byCode) return byName.order <= byCode.order ? byName : byCode
  return byName ?? byCode ?? null
}

