/**
 * Strict IP and CIDR parsing shared by restrictions (ip, ip_subnet) and trusted-proxy checks.
 *
 * Hand-rolled on bigint so the accepted syntax is exactly ours: no leading-zero (octal-looking) IPv4 parts,
 * no shortened `1.2.3`, no zone ids. IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what Node reports for IPv4 peers on a
 * dual-stack socket) is turned into plain IPv4, so one address has one form everywhere.
 */

export interface ParsedIp {
  family: 4 | 6
  value: bigint
}

export interface Cidr {
  family: 4 | 6
  base: bigint // network address, host bits cleared
  bits: number
}

const MAPPED_PREFIX = 0xffffn << 32n // ::ffff:0:0/96
const V4_MAX = 0xffffffffn

export function parseIp(input: string): ParsedIp | null {
  if (input.length === 0 || input.length > 45) return null // 45 = longest IPv6 text with an embedded IPv4
  if (!input.includes(':')) {
    const v4 = parseIpv4(input)
    return v4 === null ? null : { family: 4, value: v4 }
  }
  const v6 = parseIpv6(input)
  if (v6 === null) return null
  if (v6 >> 32n === MAPPED_PREFIX >> 32n) return { family: 4, value: v6 & V4_MAX }
  return { family: 6, value: v6 }
}

/** The one text form of an address (dotted IPv4, RFC 5952 IPv6), or null if it is not an address. */
export function normalizeIp(input: string): string | null {
  const ip = parseIp(input)
  return ip === null ? null : formatIp(ip)
}

export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) {
    const v = Number(ip.value)
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`
  }
  const groups: number[] = []
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn))
  // RFC 5952 §4.2: compress the longest run (≥2) of zero groups, the first one on a tie.
  let bestStart = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i]
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`
}

/** `a.b.c.d/n`, `x::y/n`, or a bare address (a single host). Host bits are cleared, as Ruby's IPAddr does. */
export function parseCidr(input: string): Cidr | null {
  const slash = input.indexOf('/')
  const addrText = slash < 0 ? input : input.slice(0, slash)
  const addr = addrText.includes(':') ? parseIpv6(addrText) : parseIpv4(addrText)
  if (addr === null) return null
  let family: 4 | 6 = addrText.includes(':') ? 6 : 4
  const max = family === 4 ? 32 : 128
  let bits = max
  if (slash >= 0) {
    const bitsText = input.slice(slash + 1)
    if (!/^(0|[1-9][0-9]{0,2})$/.test(bitsText)) return null
    bits = Number(bitsText)
    if (bits > max) return null
  }
  let value = addr
  // `::ffff:10.0.0.0/104` describes IPv4 addresses, which parseIp reports as IPv4: express it that way.
  if (family === 6 && bits >= 96 && addr >> 32n === MAPPED_PREFIX >> 32n) {
    family = 4
    bits -= 96
    value = addr & V4_MAX
  }
  const width = family === 4 ? 32 : 128
  const hostMask = (1n << BigInt(width - bits)) - 1n
  return { family, base: value & ~hostMask, bits }
}

export function ipInCidr(ip: ParsedIp | string, cidr: Cidr): boolean {
  const parsed = typeof ip === 'string' ? parseIp(ip) : ip
  if (parsed === null || parsed.family !== cidr.family) return false
  const width = cidr.family === 4 ? 32 : 128
  const shift = BigInt(width - cidr.bits)
  return parsed.value >> shift === cidr.base >> shift
}

function parseIpv4(s: string): bigint | null {
  const parts = s.split('.')
  if (parts.length !== 4) return null
  let value = 0n
  for (const part of parts) {
    // No leading zeros: `010` is 8 to inet_aton and 10 to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null
    const n = Number(part)
    if (n > 255) return null
    value = (value << 8n) | BigInt(n)
  }
  return value
}

function parseIpv6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null // also refuses zone ids (`%eth0`) and brackets
  const halves = s.split('::')
  if (halves.length > 2) return null
  let groups: number[]
  if (halves.length === 1) {
    const all = parseGroups(s, true)
    if (all === null || all.length !== 8) return null
    groups = all
  } else {
    const head = parseGroups(halves[0] ?? '', false)
    const tail = parseGroups(halves[1] ?? '', true)
    if (head === null || tail === null) return null
    const missing = 8 - head.length - tail.length
    if (missing < 1) return null // `::` stands for at least one zero group
    groups = [...head, ...Array<number>(missing).fill(0), ...tail]
  }
  let value = 0n
  for (const g of groups) value = (value << 16n) | BigInt(g)
  return value
}

/** Colon-separated hex groups; an embedded IPv4 is allowed only as the last part of the address text. */
function parseGroups(text: string, v4AtEnd: boolean): number[] | null {
  if (text === '') return []
  const parts = text.split(':')
  const groups: number[] = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? ''
    if (v4AtEnd && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part)
      if (v4 === null) return null
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn))
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(parseInt(part, 16))
    } else {
      return null
    }
  }
  return groups
}
