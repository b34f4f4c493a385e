/**
 * GeoIP country/continent lookup for restriction matching (docs/barong-behaviour-notes.md#s1-2).
 *
 * Barong reads a MaxMind GeoLite2 database (`BARONG_GEOIP_DB`) and matches restrictions against
 * `country.names[lang]` / `continent.names[lang]`. MaxMind's licence forbids redistribution, so with
 * no path we fall back to the CC0 ip-location-db database shipped as an npm package; it only holds
 * `country_code`, and names/continents are then filled from countries.ts (English).
 */
import { createRequire } from 'node:module'
import { BlockList, isIP } from 'node:net'
import { dirname, join } from 'node:path'
import maxmind, { type CountryResponse, type Reader } from 'maxmind'
import { continentName, countryByAlpha2 } from './core/countries.ts'

export interface GeoIpResult {
  readonly country: { readonly iso: string; readonly name: string } | null
  readonly continent: { readonly code: string; readonly name: string } | null
}

export interface GeoIp {
  lookup(ip: string): GeoIpResult
}

const NOTHING: GeoIpResult = Object.freeze({ country: null, continent: null })
/** Results cached per IP; bounded so a flood of distinct addresses cannot grow memory. */
const RESULT_CACHE_MAX = 4096

/**
 * Non-public ranges (RFC 6890 and friends). The bundled database maps some of them to a country
 * (measured: 192.168.0.0/16 and 172.16.0.0/12 → AU), which would make internal callers subject to
 * country restrictions, so they are answered as unknown before any database lookup.
 */
const NON_PUBLIC = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NON_PUBLIC.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 127], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32],
  ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) NON_PUBLIC.addSubnet(net, bits, 'ipv6')

/** Path of the bundled CC0 database (exported so config/diagnostics can print it). */
export function bundledGeoIpPath(): string {
  const pkg = createRequire(import.meta.url).resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json')
  return join(dirname(pkg), 'geo-whois-asn-country.mmdb')
}

export async function openGeoIp(path: string | undefined, lang: string): Promise<GeoIp> {
  let file = path ?? '(bundled)'
  let reader: Reader<CountryResponse>
  try {
    // Resolved inside the try so a missing package is reported like a missing file.
    if (!path) file = bundledGeoIpPath()
    // The reader's own cache holds decoded records (a country DB has only a few hundred distinct ones).
    reader = await maxmind.open<CountryResponse>(file, { cache: { max: 1000 } })
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    throw new Error(`BARONG_GEOIP_DB: cannot open GeoIP database ${JSON.stringify(file)}: ${why}`, { cause: err })
  }
  return new CachedGeoIp(reader, lang || 'en')
}

class CachedGeoIp implements GeoIp {
  // Map keeps insertion order: re-inserting on hit makes it an LRU, the first key is the eldest.
  private readonly cache = new Map<string, GeoIpResult>()

  constructor(
    private readonly reader: Reader<CountryResponse>,
    private readonly lang: string,
  ) {}

  lookup(ip: string): GeoIpResult {
    const key = normalizeIp(ip)
    const hit = this.cache.get(key)
    if (hit) {
      this.cache.delete(key)
      this.cache.set(key, hit)
      return hit
    }
    const result = this.resolve(key)
    if (this.cache.size >= RESULT_CACHE_MAX) {
      const eldest = this.cache.keys().next()
      if (!eldest.done) this.cache.delete(eldest.value)
    }
    this.cache.set(key, result)
    return result
  }

  private resolve(ip: string): GeoIpResult {
    // isIP first: the MMDB reader accepts some non-addresses ('', '999.1.1.1') and walks the tree anyway.
    const family = isIP(ip)
    if (family === 0 || NON_PUBLIC.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return NOTHING
    let record: unknown
    try {
      record = this.reader.get(ip)
    } catch {
      return NOTHING // not an IP address: treat like an unknown one rather than failing the request
    }
    return record === null || typeof record !== 'object' ? NOTHING : toResult(record as Record<string, unknown>, this.lang)
  }
}

/** Strip IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what Node reports on dual-stack sockets) and zone ids. */
function normalizeIp(ip: string): string {
  const s = ip.trim()
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(s)
  if (mapped?.[1]) return mapped[1]
  const zone = s.indexOf('%')
  return zone >= 0 ? s.slice(0, zone) : s
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

/** Name in the requested language, else English (GeoLite2 lacks some languages for some places). */
function pickName(names: unknown, lang: string): string | undefined {
  const n = obj(names)
  return n ? (str(n[lang]) ?? str(n.en)) : undefined
}

/** Accepts GeoLite2/GeoIP2 Country/City records and ip-location-db `{ country_code }` records (exported for tests). */
export function toResult(record: Record<string, unknown>, lang: string): GeoIpResult {
  // An anycast or satellite range may carry only the registration country; Barong's lookup would
  // yield no country there, but the registration country is the better answer for blocking.
  const maxCountry = obj(record.country) ?? obj(record.registered_country)
  const iso = (str(maxCountry?.iso_code) ?? str(record.country_code))?.toUpperCase()
  const known = iso ? countryByAlpha2(iso) : undefined

  const country = iso ? Object.freeze({ iso, name: pickName(maxCountry?.names, lang) ?? known?.name ?? iso }) : null

  const maxContinent = obj(record.continent)
  const code = (str(maxContinent?.code) ?? str(record.continent_code) ?? known?.continent)?.toUpperCase()
  const continent = code
    ? Object.freeze({ code, name: pickName(maxContinent?.names, lang) ?? continentName(code) ?? code })
    : null

  return country || continent ? Object.freeze({ country, continent }) : NOTHING
}
