import type { Context } from 'hono'
import { z } from 'zod'
import { commit } from '../accounts/commit.ts'
import { presentPhone } from '../accounts/entities.ts'
import { phoneSchema, userWithFullInfoSchema } from '../accounts/entity-schemas.ts'
import { upsertLabel } from '../accounts/labels.ts'
import { addPhone, findUserPhone, markPhoneVerified, newPhoneCode, normalizePhone, numberVerified, userPhones } from '../accounts/phones.ts'
import { countPhoneCode, countPhoneVerification } from '../accounts/phone-code-limits.ts'
import { userWithFullInfo } from '../accounts/user-view.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import type { AppEnv } from '../http/env.ts'
import { AppError } from '../http/errors.ts'
import { PhoneProviderError, type PhoneChannel } from '../sms/phone-verifier.ts'
import { TWILIO_ERROR_KEYS } from '../sms/twilio.ts'
import type { Phone, User } from '../storage/schema/index.ts'

export type PhoneDeps = Pick<Deps, 'config' | 'db' | 'secrets' | 'store' | 'clock' | 'relay' | 'logger' | 'authzCache' | 'phoneVerifier'>

const PREFIX = 'resource.phone'
const TOO_MANY = 'resource.phone.too_many_requests'

const numberParams = {
  phone_number: { type: 'string', required: true, allowBlank: false, description: 'Phone number in international form' },
  channel: { type: 'string', values: ['sms', 'call'], default: 'sms', valueError: 'resource.phone.invalid_channel' },
} as const

const messageSchema = z.object({ message: z.string() })

/** The user's phones and their verification (docs/barong-behaviour-notes.md#s9-4). */
export function registerPhoneRoutes(api: Api, deps: PhoneDeps) {
  const env = deps.config.env
  const badRequest = (key: string) => new AppError(`resource.phone.${key}`, 400)
  const limits = { userMax: env.BARONG_PHONE_CODE_MAX, numberMax: env.BARONG_PHONE_CODE_NUMBER_MAX, verifyMax: env.BARONG_PHONE_VERIFY_MAX, windowMs: env.BARONG_PHONE_CODE_WINDOW * 1000 }
  const tooMany = () => new AppError(TOO_MANY, 429, { 'Retry-After': String(env.BARONG_PHONE_CODE_WINDOW) })

  /** A valid number, not verified by anyone yet. */
  const unclaimedNumber = async (input: string) => {
    const phone = normalizePhone(input)
    if (!phone) throw badRequest('invalid_num')
    if (await numberVerified(deps.db, phone.number)) throw badRequest('number_exist')
    return phone
  }

  /** Within the user's and the number's budget of codes, then the provider's refusal as its 422 key. */
  const sendCode = async (c: Context<AppEnv>, user: User, phone: Pick<Phone, 'number' | 'code'>, channel: PhoneChannel) => {
    if (!(await countPhoneCode(deps.store, limits, user.uid, phone.number))) throw tooMany()
    await viaProvider(() => deps.phoneVerifier.send(phone.number, phone.code ?? '', channel))
    return c.json({ message: `Code was sent successfully via ${channel}` }, 201)
  }
  const viaProvider = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call()
    } catch (err) {
      if (err instanceof PhoneProviderError) throw new AppError(err.key, 422)
      throw err
    }
  }
  const userPhone = async (user: User, number: string) => (await findUserPhone(deps.db, user.id, number)) ?? Promise.reject(new AppError('resource.phone.doesnt_exist', 404))

  api.add({
    method: 'get',
    path: '/resource/phones',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'List the user’s phones',
    auth: 'user',
    response: z.array(phoneSchema),
    handler: async (c, _p, { user }) => c.json((await userPhones(deps.db, user.id)).map(presentPhone)),
  })

  api.add({
    method: 'post',
    path: '/resource/phones',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Add a phone and send it a verification code',
    auth: 'user',
    params: numberParams,
    response: messageSchema,
    errors: { 400: ['resource.phone.invalid_num', 'resource.phone.number_exist', 'resource.phone.exists'], 422: [...TWILIO_ERROR_KEYS], 429: [TOO_MANY] },
    handler: async (c, p, { user }) => {
      const phone = await unclaimedNumber(p.phone_number)
      if (await findUserPhone(deps.db, user.id, phone.number)) throw badRequest('exists')
      const code = newPhoneCode()
      // Sent before the row is written: a provider's refusal leaves nothing behind.
      const answer = await sendCode(c, user, { number: phone.number, code }, p.channel as PhoneChannel)
      await commit(deps, (w) => addPhone(w, { userId: user.id, number: phone.number, country: phone.country, code }))
      return answer
    },
  })

  api.add({
    method: 'post',
    path: '/resource/phones/send_code',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Send the verification code again (the same code)',
    auth: 'user',
    params: numberParams,
    response: messageSchema,
    errors: { 400: ['resource.phone.invalid_num', 'resource.phone.number_exist'], 404: ['resource.phone.doesnt_exist'], 422: [...TWILIO_ERROR_KEYS], 429: [TOO_MANY] },
    handler: async (c, p, { user }) => {
      const phone = await userPhone(user, (await unclaimedNumber(p.phone_number)).number)
      return sendCode(c, user, phone, p.channel as PhoneChannel)
    },
  })

  api.add({
    method: 'post',
    path: '/resource/phones/verify',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Verify a phone with its code; the user gets the `phone:verified` label',
    auth: 'user',
    params: {
      phone_number: numberParams.phone_number,
      verification_code: { type: 'string', required: true, allowBlank: false },
    },
    response: userWithFullInfoSchema,
    errors: {
      400: ['resource.phone.invalid_num', 'resource.phone.number_exist'],
      404: ['resource.phone.doesnt_exist', 'resource.phone.verification_invalid'],
      422: [...TWILIO_ERROR_KEYS],
      429: [TOO_MANY],
    },
    handler: async (c, p, { user }) => {
      const phone = await userPhone(user, (await unclaimedNumber(p.phone_number)).number)
      // Barong counts no attempts: five digits would fall to guessing.
      if (!(await countPhoneVerification(deps.store, limits, user.uid))) throw tooMany()
      if (!(await viaProvider(() => deps.phoneVerifier.check(phone.number, phone.code, p.verification_code.trim())))) throw new AppError('resource.phone.verification_invalid', 404)
      const updated = await commit(deps, async (w) => {
        await markPhoneVerified(w, phone)
        return (await upsertLabel(w, deps.config, user, { key: 'phone', value: 'verified', scope: 'private' })).user
      })
      return c.json(await userWithFullInfo(deps, updated), 201)
    },
  })
}
