import { safeEqual } from '../util/safe-equal.ts'

export type PhoneChannel = 'sms' | 'call'

/** A provider's refusal, as Barong's error key (422 `resource.phone.*`). */
export class PhoneProviderError extends Error {
  constructor(readonly key: string) {
    super(key)
    this.name = 'PhoneProviderError'
  }
}

/**
 * Sends and checks phone verification codes (docs/barong-behaviour-notes.md#s9-4). `number` is digits in international
 * form without `+`; `code` is the code stored for the phone (providers that make their own ignore it).
 */
export interface PhoneVerifier {
  readonly name: string
  send(number: string, code: string, channel: PhoneChannel): Promise<void>
  check(number: string, storedCode: string | null, given: string): Promise<boolean>
}

/** The code the mock accepts (only this one, so a wrong code can be tested; Barong's accepted any: docs/differences-from-barong.md D37). */
export const MOCK_PHONE_CODE = '12345'

/** Sends nothing; accepts only `12345`. */
export const mockPhoneVerifier: PhoneVerifier = {
  name: 'mock',
  async send() {},
  async check(_number, _stored, given) {
    return safeEqual(given, MOCK_PHONE_CODE)
  },
}
