import type { Context } from 'hono'
import { z } from 'zod'
import { recordUserActivity } from '../accounts/activities.ts'
import { commit } from '../accounts/commit.ts'
import { checkUserOtp } from '../accounts/otp.ts'
import { disableTwoFactor, enableTwoFactor, replaceTotpSecret } from '../accounts/two-factor.ts'
import { qrBarcode, totpUrl } from '../crypto/totp.ts'
import type { Deps } from '../deps.ts'
import type { Api, Caller } from '../http/api.ts'
import type { AppEnv } from '../http/env.ts'
import { AppError } from '../http/errors.ts'
import { requestMeta } from '../http/request-meta.ts'

export type OtpDeps = Pick<Deps, 'config' | 'db' | 'store' | 'sessions' | 'clock' | 'secrets' | 'relay' | 'logger' | 'authzCache'>

const REASONS = {
  enabled: '2FA has been enabled for this account',
  notEnabled: '2FA has not been enabled for this account',
  invalid: 'OTP code is invalid',
} as const

const codeParam = { code: { type: 'string', required: true, allowBlank: false, description: 'Current TOTP code (6 digits); each is usable once' } } as const

/** Vault's secret object as Barong 2.5.21 returned it; front ends read `data.barcode` and `data.url`. */
const qrcodeSchema = z.object({
  lease_id: z.string(),
  lease_duration: z.number(),
  renewable: z.boolean(),
  data: z.object({ barcode: z.string(), url: z.string() }),
  auth: z.null(),
  warnings: z.null(),
  wrap_info: z.null(),
})

/** 2FA of the signed-in user (docs/barong-behaviour-notes.md#s4-3-7). */
export function registerOtpRoutes(api: Api, deps: OtpDeps) {
  const now = () => new Date(deps.clock.now())
  const failed = async (c: Context<AppEnv>, { user }: Caller, action: string, reason: string, error: AppError): Promise<never> => {
    await recordUserActivity(deps.db, requestMeta(c), { userId: user.id, topic: 'otp', action, result: 'failed', reason }, now())
    throw error
  }
  const alreadyEnabled = () => new AppError('resource.otp.already_enabled', 400)
  const invalid = () => new AppError('resource.otp.invalid', 422)
  /** Spends the code's time-step (a code works once); a wrong or reused code records the failure. */
  const requireCode = async (c: Context<AppEnv>, caller: Caller, action: string, code: string) => {
    if (!(await checkUserOtp(deps.db, deps.secrets, caller.user, code.trim(), deps.clock.now()))) await failed(c, caller, action, REASONS.invalid, invalid())
  }

  api.add({
    method: 'post',
    path: '/resource/otp/generate_qrcode',
    tag: 'resource',
    prefix: 'resource.otp',
    summary: 'Generate a new TOTP secret and its QR code (replaces any earlier one)',
    auth: 'user',
    response: qrcodeSchema,
    errors: { 400: ['resource.otp.already_enabled'] },
    handler: async (c, _p, caller) => {
      const action = 'request QR code for 2FA'
      if (caller.user.otp) await failed(c, caller, action, REASONS.enabled, alreadyEnabled())
      const secret = await commit(deps, async (w) => {
        const s = await replaceTotpSecret(w, deps.secrets, caller.user)
        await recordUserActivity(w.tx, requestMeta(c), { userId: caller.user.id, topic: 'otp', action, result: 'succeed' }, w.now)
        return s
      })
      const url = totpUrl(deps.config.env.BARONG_APP_NAME, caller.user.email, secret)
      c.header('Cache-Control', 'no-store')
      return c.json({ lease_id: '', lease_duration: 0, renewable: false, data: { barcode: await qrBarcode(url), url }, auth: null, warnings: null, wrap_info: null }, 201)
    },
  })

  api.add({
    method: 'post',
    path: '/resource/otp/enable',
    tag: 'resource',
    prefix: 'resource.otp',
    summary: 'Enable 2FA with a code of the generated secret; ends the user’s other sessions',
    auth: 'user',
    params: codeParam,
    response: z.literal(200),
    errors: { 400: ['resource.otp.already_enabled'], 422: ['resource.otp.invalid'] },
    handler: async (c, p, caller) => {
      const action = 'enable 2FA'
      if (caller.user.otp) await failed(c, caller, action, REASONS.enabled, alreadyEnabled())
      await requireCode(c, caller, action, p.code)
      await commit(deps, async (w) => {
        await enableTwoFactor(w, deps.config, caller.user)
        await recordUserActivity(w.tx, requestMeta(c), { userId: caller.user.id, topic: 'otp', action, result: 'succeed' }, w.now)
      })
      // Whoever held another session of this account did so without the second factor.
      await deps.sessions.endAllOf(caller.user.uid, caller.principal.sessionHash)
      return c.json(200, 201)
    },
  })

  api.add({
    method: 'post',
    path: '/resource/otp/disable',
    tag: 'resource',
    prefix: 'resource.otp',
    summary: 'Disable 2FA; the user’s API keys become inactive',
    auth: 'user',
    status: 200,
    params: codeParam,
    response: z.literal(200),
    errors: { 400: ['resource.otp.not_enabled'], 422: ['resource.otp.invalid'] },
    handler: async (c, p, caller) => {
      const action = 'disable 2FA'
      if (!caller.user.otp) await failed(c, caller, action, REASONS.notEnabled, new AppError('resource.otp.not_enabled', 400))
      await requireCode(c, caller, action, p.code)
      await commit(deps, async (w) => {
        await disableTwoFactor(w, deps.config, caller.user)
        await recordUserActivity(w.tx, requestMeta(c), { userId: caller.user.id, topic: 'otp', action, result: 'succeed' }, w.now)
      })
      return c.json(200, 200)
    },
  })

  api.add({
    method: 'post',
    path: '/resource/otp/verify',
    tag: 'resource',
    prefix: 'resource.otp',
    summary: 'Check a TOTP code (spends it)',
    auth: 'user',
    params: codeParam,
    response: z.null(),
    // Barong answers `already_enabled` when 2FA is off here; clients may test for that key.
    errors: { 400: ['resource.otp.already_enabled'], 422: ['resource.otp.invalid'] },
    handler: async (c, p, caller) => {
      const action = 'verify 2FA code'
      if (!caller.user.otp) await failed(c, caller, action, REASONS.notEnabled, alreadyEnabled())
      await requireCode(c, caller, action, p.code)
      return c.json(null, 201)
    },
  })
}
