import type { Env } from '../config/env.ts'
import { mockPhoneVerifier, type PhoneVerifier } from './phone-verifier.ts'
import { twilioSms, twilioVerify, type TwilioSettings } from './twilio.ts'

/** The provider named by BARONG_SMS (when not `mock`) or BARONG_PHONE_VERIFICATION; incomplete Twilio settings stop the start. */
export function createPhoneVerifier(env: Env, fetchFn: typeof fetch = fetch): PhoneVerifier {
  const mode = env.BARONG_SMS !== 'mock' ? env.BARONG_SMS : env.BARONG_PHONE_VERIFICATION
  if (mode === 'mock') return mockPhoneVerifier
  const settings: TwilioSettings = {
    accountSid: env.BARONG_TWILIO_ACCOUNT_SID,
    authToken: env.BARONG_TWILIO_AUTH_TOKEN,
    serviceSid: env.BARONG_TWILIO_SERVICE_SID,
    from: env.BARONG_TWILIO_PHONE_NUMBER,
    verifyUrl: env.BARONG_TWILIO_VERIFY_URL,
    apiUrl: env.BARONG_TWILIO_API_URL,
  }
  if (!settings.accountSid || !settings.authToken) throw new Error(`${mode} needs BARONG_TWILIO_ACCOUNT_SID and BARONG_TWILIO_AUTH_TOKEN`)
  if (mode === 'twilio_verify') {
    if (!settings.serviceSid) throw new Error('twilio_verify needs BARONG_TWILIO_SERVICE_SID')
    return twilioVerify(settings, fetchFn)
  }
  return twilioSms(settings, env.BARONG_SMS_CONTENT_TEMPLATE, fetchFn)
}
