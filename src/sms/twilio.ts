import { safeEqual } from '../util/safe-equal.ts'
import { PhoneProviderError, type PhoneChannel, type PhoneVerifier } from './phone-verifier.ts'

export interface TwilioSettings {
  accountSid: string
  authToken: string
  serviceSid: string
  /** Sender of `twilio_sms` texts. */
  from: string
  verifyUrl: string
  apiUrl: string
}

const TIMEOUT_MS = 10_000

/** Twilio's error codes as Barong names them (docs/barong-behaviour-notes.md#s9-4); any other is unexpected. */
const ERROR_KEYS: Readonly<Record<number, string>> = {
  21610: 'resource.phone.unsubscribed_recipient',
  21612: 'resource.phone.num_not_reachable',
  21614: 'resource.phone.num_not_valid',
  21618: 'resource.phone.sms_content_invalid',
}
export const TWILIO_ERROR_KEYS = [...Object.values(ERROR_KEYS), 'resource.phone.twilio_unexpected'] as const

interface TwilioAnswer {
  status: number
  body: Record<string, unknown>
}

function poster(s: TwilioSettings, fetchFn: typeof fetch) {
  const auth = `Basic ${Buffer.from(`${s.accountSid}:${s.authToken}`).toString('base64')}`
  return async (url: string, form: Record<string, string>): Promise<TwilioAnswer> => {
    let res: Response
    try {
      res = await fetchFn(url, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch {
      throw new PhoneProviderError('resource.phone.twilio_unexpected')
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>
    return { status: res.status, body: body && typeof body === 'object' ? body : {} }
  }
}

function refusal(answer: TwilioAnswer): PhoneProviderError {
  const code = typeof answer.body.code === 'number' ? answer.body.code : 0
  return new PhoneProviderError(ERROR_KEYS[code] ?? 'resource.phone.twilio_unexpected')
}

const ok = (a: TwilioAnswer) => a.status >= 200 && a.status < 300

/** Twilio Verify: Twilio makes, sends and checks the code (`approved` = verified). */
export function twilioVerify(s: TwilioSettings, fetchFn: typeof fetch = fetch): PhoneVerifier {
  const post = poster(s, fetchFn)
  const service = `${s.verifyUrl.replace(/\/$/, '')}/v2/Services/${encodeURIComponent(s.serviceSid)}`
  return {
    name: 'twilio_verify',
    async send(number: string, _code: string, channel: PhoneChannel) {
      const a = await post(`${service}/Verifications`, { To: `+${number}`, Channel: channel })
      if (!ok(a)) throw refusal(a)
    },
    async check(number: string, _stored: string | null, given: string) {
      const a = await post(`${service}/VerificationCheck`, { To: `+${number}`, Code: given })
      // 404: no pending verification for the number (expired, or already approved).
      if (a.status === 404) return false
      if (!ok(a)) throw refusal(a)
      return a.body.status === 'approved'
    },
  }
}

/** Twilio Messages: our stored code in BARONG_SMS_CONTENT_TEMPLATE, checked here. */
export function twilioSms(s: TwilioSettings, template: string, fetchFn: typeof fetch = fetch): PhoneVerifier {
  const post = poster(s, fetchFn)
  const url = `${s.apiUrl.replace(/\/$/, '')}/2010-04-01/Accounts/${encodeURIComponent(s.accountSid)}/Messages.json`
  return {
    name: 'twilio_sms',
    async send(number: string, code: string) {
      const a = await post(url, { From: s.from, To: `+${number}`, Body: template.replaceAll('{{code}}', code) })
      if (!ok(a)) throw refusal(a)
    },
    async check(_number: string, stored: string | null, given: string) {
      return stored !== null && safeEqual(given, stored)
    },
  }
}
