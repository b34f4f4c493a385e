/**
 * The client address (docs/differences-from-barong.md#d5, docs/security-model.md#client-ip).
 *
 * Barong used Rails' `remote_ip`, which believes X-Forwarded-For hops from every private range and every
 * Cloudflare range, and True-Client-IP from anyone: anything on a private network could pick its own address
 * and dodge IP restrictions, session IP binding and rate limits. Here headers count only when the immediate
 * peer is a configured trusted proxy, and the right-most untrusted hop wins (the left part of the header is
 * whatever the client wrote).
 */
import { memoByString } from '../../util/memo.ts'
import { formatIp, ipInCidr, parseCidr, parseIp, type Cidr, type ParsedIp } from './ip.ts'

export interface TrustedProxies {
  readonly cidrs: readonly Cidr[]
  /** Believe `True-Client-IP` from a trusted proxy (BARONG_GATEWAY=akamai or BARONG_TRUST_TRUE_CLIENT_IP). */
  readonly trueClientIp: boolean
}

/** Compiles `BARONG_TRUSTED_PROXIES` entries (CIDRs or single addresses); throws naming the bad entry. */
export function compileTrusted(cidrs: readonly string[], trueClientIp = false): TrustedProxies {
  const compiled = cidrs.map((entry) => {
    const cidr = parseCidr(entry.trim())
    if (!cidr) throw new Error(`invalid trusted proxy CIDR: ${JSON.stringify(entry)}`)
    return cidr
  })
  return Object.freeze({ cidrs: Object.freeze(compiled), trueClientIp })
}

export function isTrusted(trusted: TrustedProxies, ip: ParsedIp): boolean {
  return trusted.cidrs.some((cidr) => ipInCidr(ip, cidr))
}

/**
 * @param peer the socket's remote address (Node reports IPv4 on a dual-stack socket as `::ffff:a.b.c.d`)
 * @param xff X-Forwarded-For, duplicates already joined with `,`
 * @param trueClientIp pass it only when the deployment says a trusted proxy sets it (Akamai mode)
 * @returns the canonical text of the client address (`::ffff:a.b.c.d` → `a.b.c.d`)
 */
export function clientIp(peer: string, xff: string | undefined, trusted: TrustedProxies, trueClientIp?: string): string {
  const peerIp = parseIp(peer)
  // An unparseable peer cannot be a trusted proxy; returned as is so the caller still has something to log.
  if (!peerIp) return peer
  const peerText = formatIp(peerIp)
  if (!isTrusted(trusted, peerIp)) return peerText
  if (trueClientIp !== undefined) {
    const t = parseIp(trueClientIp.trim())
    if (t) return formatIp(t)
  }
  if (xff === undefined) return peerText
  const hops = xff.split(',')
  let candidate: ParsedIp | null = null
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseIp((hops[i] ?? '').trim())
    // A garbled hop means the chain can no longer be followed: stop, and do not trust anything to its left.
    // Every hop to its right was trusted (else we would have returned), so the answer is the peer.
    if (!hop) return peerText
    if (!isTrusted(trusted, hop)) return formatIp(hop)
    candidate = hop
  }
  // Every hop is one of ours: the left-most is the closest thing to the client.
  return candidate ? formatIp(candidate) : peerText
}

/**
 * `clientIp` for one trusted-proxy setting, reading the request's headers, remembered per (peer, X-Forwarded-For,
 * True-Client-IP): the form every server uses.
 */
export function createClientIpResolver(trusted: TrustedProxies): (peer: string, header: (name: string) => string | undefined) => string {
  const resolve = memoByString((key) => {
    const [peer = '', xff, tci] = key.split('\n')
    return clientIp(peer, xff === '' ? undefined : xff, trusted, tci === '' ? undefined : tci)
  })
  // A newline cannot be in a header value or a socket address, so the joined key is unambiguous.
  return (peer, header) => {
    const tci = trusted.trueClientIp ? header('true-client-ip') : undefined
    return resolve(`${peer}\n${header('x-forwarded-for') ?? ''}\n${tci ?? ''}`)
  }
}

/** Whether a socket peer is a trusted proxy, remembered per address text. */
export function createPeerTrust(trusted: TrustedProxies): (peer: string) => boolean {
  return memoByString((peer) => {
    const ip = parseIp(peer)
    return ip !== null && isTrusted(trusted, ip)
  })
}
