/**
 * Static ISO-3166 country table for GeoIP names and restriction matching (docs/barong-behaviour-notes.md#s1-2).
 *
 * Barong compares `country`/`continent` restriction values with the GeoIP *English name*
 * (`country.names[lang]`), so names here are spelled exactly as MaxMind GeoLite2
 * (`GeoLite2-Country-Locations-en.csv`) spells them — not the ISO short names. The bundled CC0
 * database only carries `country_code`, so this table is also where its names and continents
 * come from. Continent assignment is MaxMind's too (e.g. Russia → EU, Turkey → AS, Timor-Leste → OC).
 * XK (Kosovo) is not ISO but MaxMind and RIR data use it, so it is included.
 */

export const CONTINENT_CODES = ['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA'] as const
export type ContinentCode = (typeof CONTINENT_CODES)[number]

export const CONTINENT_NAMES: Readonly<Record<ContinentCode, string>> = {
  AF: 'Africa',
  AN: 'Antarctica',
  AS: 'Asia',
  EU: 'Europe',
  NA: 'North America',
  OC: 'Oceania',
  SA: 'South America',
}

export interface Country {
  readonly alpha2: string
  readonly alpha3: string
  /** English name as MaxMind GeoLite2 spells it. */
  readonly name: string
  readonly continent: ContinentCode
}

// Packed as 'A2 A3 Name' per continent: a 250-row literal would be five times as long.
const PACKED: Record<ContinentCode, readonly string[]> = {
  AF: [
    'AO AGO Angola', 'BF BFA Burkina Faso', 'BI BDI Burundi', 'BJ BEN Benin', 'BW BWA Botswana', 'CD COD DR Congo',
    'CF CAF Central African Republic', 'CG COG Congo Republic', 'CI CIV Ivory Coast', 'CM CMR Cameroon',
    'CV CPV Cabo Verde', 'DJ DJI Djibouti', 'DZ DZA Algeria', 'EG EGY Egypt', 'EH ESH Western Sahara',
    'ER ERI Eritrea', 'ET ETH Ethiopia', 'GA GAB Gabon', 'GH GHA Ghana', 'GM GMB Gambia', 'GN GIN Guinea',
    'GQ GNQ Equatorial Guinea', 'GW GNB Guinea-Bissau', 'KE KEN Kenya', 'KM COM Comoros', 'LR LBR Liberia',
    'LS LSO Lesotho', 'LY LBY Libya', 'MA MAR Morocco', 'MG MDG Madagascar', 'ML MLI Mali', 'MR MRT Mauritania',
    'MU MUS Mauritius', 'MW MWI Malawi', 'MZ MOZ Mozambique', 'NA NAM Namibia', 'NE NER Niger', 'NG NGA Nigeria',
    'RE REU Réunion', 'RW RWA Rwanda', 'SC SYC Seychelles', 'SD SDN Sudan', 'SH SHN Saint Helena',
    'SL SLE Sierra Leone', 'SN SEN Senegal', 'SO SOM Somalia', 'SS SSD South Sudan', 'ST STP São Tomé and Príncipe',
    'SZ SWZ Eswatini', 'TD TCD Chad', 'TG TGO Togo', 'TN TUN Tunisia', 'TZ TZA Tanzania', 'UG UGA Uganda',
    'YT MYT Mayotte', 'ZA ZAF South Africa', 'ZM ZMB Zambia', 'ZW ZWE Zimbabwe',
  ],
  AN: [
    'AQ ATA Antarctica', 'BV BVT Bouvet Island', 'GS SGS South Georgia and the South Sandwich Islands',
    'HM HMD Heard and McDonald Islands', 'TF ATF French Southern Territories',
  ],
  AS: [
    'AE ARE United Arab Emirates', 'AF AFG Afghanistan', 'AM ARM Armenia', 'AZ AZE Azerbaijan', 'BD BGD Bangladesh',
    'BH BHR Bahrain', 'BN BRN Brunei', 'BT BTN Bhutan', 'CC CCK Cocos (Keeling) Islands', 'CN CHN China',
    'GE GEO Georgia', 'HK HKG Hong Kong', 'ID IDN Indonesia', 'IL ISR Israel', 'IN IND India',
    'IO IOT British Indian Ocean Territory', 'IQ IRQ Iraq', 'IR IRN Iran', 'JO JOR Jordan', 'JP JPN Japan',
    'KG KGZ Kyrgyzstan', 'KH KHM Cambodia', 'KP PRK North Korea', 'KR KOR South Korea', 'KW KWT Kuwait',
    'KZ KAZ Kazakhstan', 'LA LAO Laos', 'LB LBN Lebanon', 'LK LKA Sri Lanka', 'MM MMR Myanmar', 'MN MNG Mongolia',
    'MO MAC Macao', 'MV MDV Maldives', 'MY MYS Malaysia', 'NP NPL Nepal', 'OM OMN Oman', 'PH PHL Philippines',
    'PK PAK Pakistan', 'PS PSE Palestine', 'QA QAT Qatar', 'SA SAU Saudi Arabia', 'SG SGP Singapore', 'SY SYR Syria',
    'TH THA Thailand', 'TJ TJK Tajikistan', 'TM TKM Turkmenistan', 'TR TUR Turkey', 'TW TWN Taiwan',
    'UZ UZB Uzbekistan', 'VN VNM Vietnam', 'YE YEM Yemen',
  ],
  EU: [
    'AD AND Andorra', 'AL ALB Albania', 'AT AUT Austria', 'AX ALA Åland Islands', 'BA BIH Bosnia and Herzegovina',
    'BE BEL Belgium', 'BG BGR Bulgaria', 'BY BLR Belarus', 'CH CHE Switzerland', 'CY CYP Cyprus', 'CZ CZE Czechia',
    'DE DEU Germany', 'DK DNK Denmark', 'EE EST Estonia', 'ES ESP Spain', 'FI FIN Finland', 'FO FRO Faroe Islands',
    'FR FRA France', 'GB GBR United Kingdom', 'GG GGY Guernsey', 'GI GIB Gibraltar', 'GR GRC Greece',
    'HR HRV Croatia', 'HU HUN Hungary', 'IE IRL Ireland', 'IM IMN Isle of Man', 'IS ISL Iceland', 'IT ITA Italy',
    'JE JEY Jersey', 'LI LIE Liechtenstein', 'LT LTU Lithuania', 'LU LUX Luxembourg', 'LV LVA Latvia',
    'MC MCO Monaco', 'MD MDA Moldova', 'ME MNE Montenegro', 'MK MKD North Macedonia', 'MT MLT Malta',
    'NL NLD Netherlands', 'NO NOR Norway', 'PL POL Poland', 'PT PRT Portugal', 'RO ROU Romania', 'RS SRB Serbia',
    'RU RUS Russia', 'SE SWE Sweden', 'SI SVN Slovenia', 'SJ SJM Svalbard and Jan Mayen', 'SK SVK Slovakia',
    'SM SMR San Marino', 'UA UKR Ukraine', 'VA VAT Vatican City', 'XK XKX Kosovo',
  ],
  NA: [
    'AG ATG Antigua and Barbuda', 'AI AIA Anguilla', 'AW ABW Aruba', 'BB BRB Barbados', 'BL BLM Saint Barthélemy',
    'BM BMU Bermuda', 'BQ BES Bonaire, Sint Eustatius, and Saba', 'BS BHS Bahamas', 'BZ BLZ Belize', 'CA CAN Canada',
    'CR CRI Costa Rica', 'CU CUB Cuba', 'CW CUW Curaçao', 'DM DMA Dominica', 'DO DOM Dominican Republic',
    'GD GRD Grenada', 'GL GRL Greenland', 'GP GLP Guadeloupe', 'GT GTM Guatemala', 'HN HND Honduras', 'HT HTI Haiti',
    'JM JAM Jamaica', 'KN KNA St Kitts and Nevis', 'KY CYM Cayman Islands', 'LC LCA Saint Lucia',
    'MF MAF Saint Martin', 'MQ MTQ Martinique', 'MS MSR Montserrat', 'MX MEX Mexico', 'NI NIC Nicaragua',
    'PA PAN Panama', 'PM SPM Saint Pierre and Miquelon', 'PR PRI Puerto Rico', 'SV SLV El Salvador',
    'SX SXM Sint Maarten', 'TC TCA Turks and Caicos Islands', 'TT TTO Trinidad and Tobago', 'US USA United States',
    'VC VCT St Vincent and Grenadines', 'VG VGB British Virgin Islands', 'VI VIR U.S. Virgin Islands',
  ],
  OC: [
    'AS ASM American Samoa', 'AU AUS Australia', 'CK COK Cook Islands', 'CX CXR Christmas Island', 'FJ FJI Fiji',
    'FM FSM Federated States of Micronesia', 'GU GUM Guam', 'KI KIR Kiribati', 'MH MHL Marshall Islands',
    'MP MNP Northern Mariana Islands', 'NC NCL New Caledonia', 'NF NFK Norfolk Island', 'NR NRU Nauru',
    'NU NIU Niue', 'NZ NZL New Zealand', 'PF PYF French Polynesia', 'PG PNG Papua New Guinea',
    'PN PCN Pitcairn Islands', 'PW PLW Palau', 'SB SLB Solomon Islands', 'TK TKL Tokelau', 'TL TLS Timor-Leste',
    'TO TON Tonga', 'TV TUV Tuvalu', 'UM UMI U.S. Outlying Islands', 'VU VUT Vanuatu', 'WF WLF Wallis and Futuna',
    'WS WSM Samoa',
  ],
  SA: [
    'AR ARG Argentina', 'BO BOL Bolivia', 'BR BRA Brazil', 'CL CHL Chile', 'CO COL Colombia', 'EC ECU Ecuador',
    'FK FLK Falkland Islands', 'GF GUF French Guiana', 'GY GUY Guyana', 'PE PER Peru', 'PY PRY Paraguay',
    'SR SUR Suriname', 'UY URY Uruguay', 'VE VEN Venezuela',
  ],
}

/**
 * Other spellings MaxMind has used (older GeoLite2 builds, renames) or admins commonly type, so a
 * restriction written against an older name still resolves. Lower-cased on load.
 */
const ALIASES: Readonly<Record<string, string>> = {
  'The Netherlands': 'NL',
  'Türkiye': 'TR',
  'Czech Republic': 'CZ',
  'Macedonia': 'MK',
  'Swaziland': 'SZ',
  'Åland': 'AX',
  'Republic of Moldova': 'MD',
  'Republic of Lithuania': 'LT',
  'Hashemite Kingdom of Jordan': 'JO',
  'Cape Verde': 'CV',
  'East Timor': 'TL',
  'Heard Island and McDonald Islands': 'HM',
  'Macau': 'MO',
  'USA': 'US',
  'UK': 'GB',
}

const byAlpha2 = new Map<string, Country>()
const byAlpha3 = new Map<string, Country>()
const byName = new Map<string, Country>()

for (const code of CONTINENT_CODES) {
  for (const entry of PACKED[code]) {
    const c: Country = Object.freeze({
      alpha2: entry.slice(0, 2),
      alpha3: entry.slice(3, 6),
      name: entry.slice(7),
      continent: code,
    })
    byAlpha2.set(c.alpha2, c)
    byAlpha3.set(c.alpha3, c)
    byName.set(c.name.toLowerCase(), c)
  }
}
for (const [alias, alpha2] of Object.entries(ALIASES)) {
  const c = byAlpha2.get(alpha2)
  if (c && !byName.has(alias.toLowerCase())) byName.set(alias.toLowerCase(), c)
}

/** Every country, sorted by alpha-2. */
export const COUNTRIES: readonly Country[] = Object.freeze(
  [...byAlpha2.values()].sort((a, b) => (a.alpha2 < b.alpha2 ? -1 : 1)),
)

/** Case-insensitive lookup by ISO alpha-2 (`jp`, `JP`). */
export function countryByAlpha2(code: string): Country | undefined {
  return byAlpha2.get(code.toUpperCase())
}

/** Case-insensitive lookup by ISO alpha-3 (`jpn`, `JPN`). */
export function countryByAlpha3(code: string): Country | undefined {
  return byAlpha3.get(code.toUpperCase())
}

/** Case-insensitive lookup by MaxMind English name or a known alias (`japan`, `The Netherlands`). */
export function countryByName(name: string): Country | undefined {
  return byName.get(name.trim().toLowerCase())
}

/** English continent name for a continent code, case-insensitive; undefined when unknown. */
export function continentName(code: string): string | undefined {
  const up = code.toUpperCase()
  return (CONTINENT_CODES as readonly string[]).includes(up) ? CONTINENT_NAMES[up as ContinentCode] : undefined
}
