import { z } from 'zod'
import { commit } from '../accounts/commit.ts'
import { enqueueKycJob } from '../accounts/kyc-jobs.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { callbackSignatureValid } from '../kyc/kycaid-client.ts'

/**
 * KYCAID's callback (docs/barong-behaviour-notes.md#s9-6). Barong trusted any caller and any verification id; here
 * the body must carry KYCAID's signature, and the verification is fetched from KYCAID and applied only when it is
 * the named applicant's (docs/differences-from-barong.md#d46). The work is queued: the provider gets its answer at once.
 */
export function registerKycCallbackRoute(api: Api, deps: Pick<Deps, 'config' | 'db' | 'clock' | 'relay' | 'store' | 'logger' | 'authzCache'>) {
  const env = deps.config.env
  api.add({
    method: 'post',
    path: '/public/kyc',
    tag: 'public',
    prefix: 'public.kyc',
    summary: 'KYCAID verification callback (signed with x-data-integrity)',
    status: 200,
    params: {
      applicant_id: { type: 'string', description: 'KYCAID applicant' },
      verification_id: { type: 'string', description: 'KYCAID verification' },
    },
    response: z.literal(200),
    errors: { 401: ['public.kyc.invalid_signature'], 422: ['public.kyc.provider_disabled', 'public.kyc.missing_verification'] },
    handler: async (c, p) => {
      if (env.BARONG_KYC_PROVIDER !== 'kycaid') throw new AppError('public.kyc.provider_disabled', 422)
      const raw = new Uint8Array(await c.req.arrayBuffer())
      if (!callbackSignatureValid(raw, c.req.header('x-data-integrity'), env.KYCAID_AUTHORIZATION_TOKEN)) throw new AppError('public.kyc.invalid_signature', 401)
      if (!p.applicant_id || !p.verification_id) throw new AppError('public.kyc.missing_verification', 422)
      const job = { kind: 'verification', payload: { applicantId: p.applicant_id, verificationId: p.verification_id } } as const
      await commit(deps, (w) => enqueueKycJob(w, job))
      return c.json(200, 200)
    },
  })
}
