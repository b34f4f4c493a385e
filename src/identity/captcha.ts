/**
 * Captcha verification as Barong does it (docs/barong-behaviour-notes.md#s2-7): reCAPTCHA `siteverify` or GeeTest v3
 * (`validate.php` / `register.php`). Every outbound call has a bounded timeout and any failure of
 * the provider is a failed verification (never a pass): an outage must not open the login form
 * to bots, and must not hang the request either.
 */
import { createHash } from 'node:crypto'
import { safeEqual } from '../util/safe-equal.ts'
import { isBlank, isPlainObject } from '../util/values.ts'

export interface CaptchaConfig {
  mode: 'none' | 'recaptcha' | 'geetest'
  recaptchaSecret: string
  recaptchaVerifyUrl: string
  geetestId: string
  geetestKey: string
  geetestApiUrl: string
  /** Per outbound request, including reading the body. Default 5000 ms. */
  timeoutMs?: number
}

export interface CaptchaError {
  key: string
  status: 400 | 422
}

export interface Captcha {
  /** null = passed (or captcha disabled); otherwise the Barong error to answer with. */
  verify(response: unknown, sessionsEndpoint: boolean): Promise<CaptchaError | null>
  /** `GET /identity/users/register_geetest` body: `{gt, challenge}` or `''` on any error. */
  register(): Promise<{ gt: string; challenge: string } | ''>
}

const REQUIRED: CaptchaError = { key: 'identity.captcha.required', status: 400 }
const MANDATORY_FIELDS: CaptchaError = { key: 'identity.captcha.mandatory_fields', status: 400 }
const FAILED: CaptchaError = { key: 'identity.captcha.verification_failed', status: 422 }
// Grape's type error for `captcha_response, types: [String, Hash]` on POST /identity/sessions.
const INVALID_FORMAT: CaptchaError = { key: 'identity.session.invalid_captcha_format', status: 422 }

const DEFAULT_TIMEOUT_MS = 5000
/** Provider answers are tiny (JSON verdict, 32-char hashes); refuse to buffer anything large. */
const MAX_BODY_BYTES = 64 * 1024
/** reCAPTCHA tokens are ~2 KB; anything far larger is not worth forwarding to Google. */
const MAX_TOKEN_CHARS = 16 * 1024
const GEETEST_FIELDS = ['geetest_challenge', 'geetest_validate', 'geetest_seccode'] as const

type FetchImpl = typeof fetch

export function createCaptcha(cfg: CaptchaConfig, fetchImpl: FetchImpl = fetch): Captcha {
  const timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const geetestBase = cfg.geetestApiUrl.replace(/\/+$/, '')

  /** Fetch and read the body under one deadline; null on network error, timeout, non-2xx or oversize. */
  async function call(url: string, init: RequestInit = {}): Promise<string | null> {
    try {
      const res = await fetchImpl(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) })
      if (!res.ok) {
        await res.body?.cancel().catch(() => {})
        return null
      }
      return await readLimited(res)
    } catch {
      return null
    }
  }

  async function verifyRecaptcha(response: unknown): Promise<CaptchaError | null> {
    // A hash in reCAPTCHA mode (or any non-string) cannot be a token; Barong's gem call would fail too.
    if (typeof response !== 'string' || response.length > MAX_TOKEN_CHARS) return FAILED
    const body = new URLSearchParams({ secret: cfg.recaptchaSecret, response })
    const text = await call(cfg.recaptchaVerifyUrl, { method: 'POST', body })
    if (text === null) return FAILED
    try {
      const verdict: unknown = JSON.parse(text)
      return isPlainObject(verdict) && verdict.success === true ? null : FAILED
    } catch {
      return FAILED
    }
  }

  async function verifyGeetest(response: unknown): Promise<CaptchaError | null> {
    if (!isPlainObject(response)) return MANDATORY_FIELDS
    const [challenge, validate, seccode] = GEETEST_FIELDS.map((f) => response[f])
    if (typeof challenge !== 'string' || typeof validate !== 'string' || typeof seccode !== 'string') {
      return MANDATORY_FIELDS
    }
    // Local check first: a forged `validate` is rejected without a round trip to GeeTest.
    if (!challenge || !seccode || !safeEqual(validate, md5(cfg.geetestKey + 'geetest' + challenge))) return FAILED
    const text = await call(`${geetestBase}/validate.php`, {
      method: 'POST',
      body: new URLSearchParams({ seccode }),
    })
    return text !== null && safeEqual(text.trim(), md5(seccode)) ? null : FAILED
  }

  return {
    async verify(response, sessionsEndpoint) {
      if (cfg.mode === 'none') return null
      if (sessionsEndpoint && response != null && typeof response !== 'string' && !isPlainObject(response)) {
        return INVALID_FORMAT
      }
      if (isBlank(response)) return REQUIRED
      return cfg.mode === 'recaptcha' ? verifyRecaptcha(response) : verifyGeetest(response)
    },

    async register() {
      // Nothing to register with: answer like a failed registration instead of calling out with gt=''.
      if (!cfg.geetestId || !cfg.geetestKey) return ''
      const text = await call(`${geetestBase}/register.php?${new URLSearchParams({ gt: cfg.geetestId })}`)
      const challenge = text?.trim()
      // GeeTest answers a 32-char hex challenge when it is up; anything else means fallback/failure.
      if (!challenge || !/^[0-9a-zA-Z]{32}$/.test(challenge)) return ''
      return { gt: cfg.geetestId, challenge: md5(challenge + cfg.geetestKey) }
    },
  }
}

function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex')
}

async function readLimited(res: Response): Promise<string | null> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {})
      return null
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}
