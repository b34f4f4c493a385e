import { createHmac } from 'node:crypto'
import { safeEqual } from '../util/safe-equal.ts'

/**
 * KYCAID's HTTP API, the calls Barong's KYC workers make (docs/barong-behaviour-notes.md#s9-6). A 4xx answer is the
 * provider's refusal (`KycaidRefused`, final); anything else that fails (network, timeout, 5xx) is worth a retry.
 */
export class KycaidRefused extends Error {}

export interface KycaidVerification {
  verification_id: string
  applicant_id: string
  status: string
  verifications?: Record<string, { verified?: boolean | null } | null>
}

export interface KycaidClient {
  createApplicant(p: Record<string, string | null>): Promise<string>
  uploadFile(bytes: Uint8Array, name: string): Promise<string>
  createDocument(p: Record<string, string | null | undefined>): Promise<string>
  createAddress(p: Record<string, string | null | undefined>): Promise<string>
  createVerification(p: { applicant_id: string; types: string[]; callback_url: string }): Promise<string>
  getVerification(id: string): Promise<KycaidVerification>
}

const TIMEOUT_MS = 15_000

export function createKycaidClient(opts: { endpoint: string; token: string; fetch?: typeof fetch }): KycaidClient {
  const base = opts.endpoint.replace(/\/+$/, '')
  const doFetch = opts.fetch ?? fetch
  const call = async <T>(method: string, path: string, body?: string | FormData, json = true): Promise<T> => {
    const headers: Record<string, string> = { Authorization: `Token ${opts.token}` }
    if (json && body !== undefined) headers['Content-Type'] = 'application/json'
    const res = await doFetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) })
    const text = await res.text()
    // The provider's message names fields, never our secrets; it is kept short for the job's last error.
    if (res.status >= 400 && res.status < 500) throw new KycaidRefused(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`)
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`)
    return JSON.parse(text) as T
  }
  const post = <T>(path: string, p: object) => call<T>('POST', path, JSON.stringify(Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== null))))
  return {
    createApplicant: async (p) => (await post<{ applicant_id: string }>('/applicants', p)).applicant_id,
    async uploadFile(bytes, name) {
      const form = new FormData()
      form.append('file', new Blob([bytes]), name)
      return (await call<{ file_id: string }>('POST', '/files', form, false)).file_id
    },
    createDocument: async (p) => (await post<{ document_id: string }>('/documents', p)).document_id,
    createAddress: async (p) => (await post<{ address_id: string }>('/addresses', p)).address_id,
    createVerification: async (p) => (await post<{ verification_id: string }>('/verifications', p)).verification_id,
    getVerification: (id) => call<KycaidVerification>('GET', `/verifications/${encodeURIComponent(id)}`),
  }
}

/**
 * A callback is KYCAID's when `x-data-integrity` is the hex HMAC-SHA512, keyed with the API token, of the raw body
 * in base64 (KYCAID's callback integrity scheme); compared in constant time.
 */
export function callbackSignatureValid(rawBody: Uint8Array, header: string | undefined, token: string): boolean {
  if (!header || !token) return false
  const expected = createHmac('sha512', token).update(Buffer.from(rawBody).toString('base64')).digest('hex')
  return safeEqual(header.trim().toLowerCase(), expected)
}
