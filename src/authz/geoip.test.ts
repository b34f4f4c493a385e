import { describe, expect, it } from 'vitest'
import { COUNTRIES, countryByAlpha2, countryByAlpha3, countryByName } from './core/countries.ts'
import { bundledGeoIpPath, openGeoIp, toResult } from './geoip.ts'

// Countries below were read from the bundled ip-location-db build while writing this test; they are
// registry allocations (Google, APNIC/Cloudflare, RIPE NCC, Osaka University) that do not move.
describe('openGeoIp with the bundled CC0 database', async () => {
  const geo = await openGeoIp(undefined, 'en')

  it.each([
    ['8.8.8.8', 'US', 'United States', 'NA', 'North America'],
    ['1.1.1.1', 'AU', 'Australia', 'OC', 'Oceania'],
    ['193.0.6.139', 'NL', 'Netherlands', 'EU', 'Europe'],
    ['133.1.1.1', 'JP', 'Japan', 'AS', 'Asia'],
    ['2001:4860:4860::8888', 'US', 'United States', 'NA', 'North America'],
    ['2001:67c:2e8:22::c100:68b', 'NL', 'Netherlands', 'EU', 'Europe'],
    ['::ffff:8.8.8.8', 'US', 'United States', 'NA', 'North America'],
  ])('%s → %s', (ip, iso, name, code, continent) => {
    expect(geo.lookup(ip)).toEqual({ country: { iso, name }, continent: { code, name: continent } })
  })

  it.each(['127.0.0.1', '10.1.2.3', '192.168.0.1', '172.20.0.1', '100.64.0.1', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:192.168.0.1', 'not-an-ip', '', '999.1.1.1'])(
    '%j → nulls',
    (ip) => {
      expect(geo.lookup(ip)).toEqual({ country: null, continent: null })
    },
  )

  it('serves repeated lookups from the cache with equal results', () => {
    const a = geo.lookup('133.1.1.1')
    expect(geo.lookup('133.1.1.1')).toBe(a)
    // Far more distinct addresses than the cache holds: must keep answering correctly.
    for (let i = 0; i < 5000; i++) geo.lookup(`8.8.${(i >> 8) & 255}.${i & 255}`)
    expect(geo.lookup('133.1.1.1')).toEqual(a)
  })

  it('resolves the bundled path via the package', () => {
    expect(bundledGeoIpPath()).toMatch(/geo-whois-asn-country\.mmdb$/)
  })
})

describe('openGeoIp errors', () => {
  it('names BARONG_GEOIP_DB when the file is missing', async () => {
    await expect(openGeoIp('/nonexistent/GeoLite2-Country.mmdb', 'en')).rejects.toThrow(/BARONG_GEOIP_DB/)
  })

  it('names BARONG_GEOIP_DB when the file is not an MMDB', async () => {
    await expect(openGeoIp(new URL(import.meta.url).pathname, 'en')).rejects.toThrow(/BARONG_GEOIP_DB/)
  })
})

describe('record shapes', () => {
  const geolite = {
    continent: { code: 'EU', geoname_id: 6255148, names: { en: 'Europe', de: 'Europa' } },
    country: { iso_code: 'DE', geoname_id: 2921044, names: { en: 'Germany', de: 'Deutschland' } },
    registered_country: { iso_code: 'DE', names: { en: 'Germany' } },
  }

  it('GeoLite2: names in the requested language', () => {
    expect(toResult(geolite, 'de')).toEqual({
      country: { iso: 'DE', name: 'Deutschland' },
      continent: { code: 'EU', name: 'Europa' },
    })
  })

  it('GeoLite2: falls back to English for a missing language', () => {
    expect(toResult(geolite, 'ja')).toEqual({
      country: { iso: 'DE', name: 'Germany' },
      continent: { code: 'EU', name: 'Europe' },
    })
  })

  it('GeoLite2: uses registered_country when country is absent, table for missing parts', () => {
    expect(toResult({ registered_country: { iso_code: 'kr' } }, 'en')).toEqual({
      country: { iso: 'KR', name: 'South Korea' },
      continent: { code: 'AS', name: 'Asia' },
    })
  })

  it('ip-location-db: country_code filled from the table', () => {
    expect(toResult({ country_code: 'RU' }, 'en')).toEqual({
      country: { iso: 'RU', name: 'Russia' },
      continent: { code: 'EU', name: 'Europe' },
    })
  })

  it('unknown code keeps the code as name; empty record gives nulls', () => {
    expect(toResult({ country_code: 'ZZ' }, 'en')).toEqual({ country: { iso: 'ZZ', name: 'ZZ' }, continent: null })
    expect(toResult({}, 'en')).toEqual({ country: null, continent: null })
  })
})

describe('countries table', () => {
  it('has every ISO-3166 country plus Kosovo, with unique codes', () => {
    expect(COUNTRIES).toHaveLength(250)
    expect(new Set(COUNTRIES.map((c) => c.alpha3)).size).toBe(250)
    for (const c of COUNTRIES) {
      expect(c.alpha2).toMatch(/^[A-Z]{2}$/)
      expect(c.alpha3).toMatch(/^[A-Z]{3}$/)
      expect(c.name.length).toBeGreaterThan(2)
    }
  })

  it('spells names as MaxMind does', () => {
    expect(countryByAlpha2('us')?.name).toBe('United States')
    expect(countryByAlpha2('GB')?.name).toBe('United Kingdom')
    expect(countryByAlpha3('rus')).toMatchObject({ alpha2: 'RU', name: 'Russia', continent: 'EU' })
    expect(countryByAlpha3('KOR')?.name).toBe('South Korea')
    expect(countryByAlpha2('JP')?.alpha3).toBe('JPN')
  })

  it('looks up names and aliases case-insensitively', () => {
    expect(countryByName('japan')?.alpha2).toBe('JP')
    expect(countryByName('The Netherlands')?.alpha2).toBe('NL')
    expect(countryByName('Atlantis')).toBeUndefined()
  })
})
