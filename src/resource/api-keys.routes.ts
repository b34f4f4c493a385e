import { z } from 'zod'
import {
  API_KEY_ORDER_COLUMNS,
  API_KEY_STATES,
  algorithmErrors,
  countUserApiKeys,
  createApiKey,
  deleteApiKey,
  findUserApiKey,
  parseScope,
  updateApiKey,
  userApiKeysPage,
  type ApiKeyOrderColumn,
} from '../accounts/api-keys.ts'
import { commit, type Work } from '../accounts/commit.ts'
import { presentApiKey, presentNewApiKey } from '../accounts/entities.ts'
import { apiKeySchema, apiKeyWithSecretSchema } from '../accounts/entity-schemas.ts'
import { checkUserOtp } from '../accounts/otp.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { AppError, errors } from '../http/errors.ts'
import { pageParams, paginate } from '../http/paginate.ts'
import type { User } from '../storage/schema/index.ts'

export type ApiKeyDeps = Pick<Deps, 'config' | 'db' | 'store' | 'clock' | 'secrets' | 'relay' | 'logger' | 'authzCache'>

const PREFIX = 'resource.apikey'
const MAX_SCOPE = 255
const TOTP_ERRORS = { 400: ['resource.api_key.2fa_disabled'], 422: ['resource.api_key.invalid_totp'] } as const

const totpCode = { type: 'string', required: true, allowBlank: false, description: 'Current TOTP code; each is usable once' } as const
const scope = {
  type: 'string',
  description: 'Comma-separated scopes (informational, as in Barong)',
  check: (v: unknown) => (String(v).length > MAX_SCOPE ? 'scope.too_long' : null),
} as const

/** The user’s API keys (docs/barong-behaviour-notes.md#s4-3-8): every change needs a TOTP code, and the gateway's keys follow it. */
export function registerApiKeyRoutes(api: Api, deps: ApiKeyDeps) {
  /**
   * 2FA must be on and the code valid. Checked in the change's transaction, so a change that then fails
   * (unknown kid, bad algorithm) leaves the code unspent.
   */
  const changeWithTotp = <T>(user: User, code: string, fn: (w: Work) => Promise<T>): Promise<T> => {
    if (!user.otp) throw new AppError('resource.api_key.2fa_disabled', 400)
    return commit(deps, async (w) => {
      if (!(await checkUserOtp(w.tx, deps.secrets, user, code.trim(), w.nowMs))) throw new AppError('resource.api_key.invalid_totp', 422)
      return fn(w)
    })
  }
  const keyOf = async (w: Work, user: User, kid: string) => (await findUserApiKey(w.tx, user.id, kid)) ?? Promise.reject(errors.notFound())

  api.add({
    method: 'get',
    path: '/resource/api_keys',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'List the user’s API keys (never their secrets)',
    auth: 'user',
    params: {
      ordering: { type: 'string', values: ['asc', 'desc'], default: 'asc', valueError: 'resource.api_key.invalid_ordering' },
      order_by: { type: 'string', values: Object.keys(API_KEY_ORDER_COLUMNS), default: 'id', valueError: 'resource.api_key.invalid_attribute' },
      ...pageParams,
    },
    response: z.array(apiKeySchema),
    errors: { 422: ['resource.api_key.invalid_ordering', 'resource.api_key.invalid_attribute'] },
    handler: async (c, p, { user }) => {
      const order = { by: p.order_by as ApiKeyOrderColumn, dir: p.ordering as 'asc' | 'desc' }
      const rows = await paginate(c, p, { count: () => countUserApiKeys(deps.db, user.id), rows: (w) => userApiKeysPage(deps.db, user.id, order, w) })
      return c.json(rows.map(presentApiKey))
    },
  })

  api.add({
    method: 'post',
    path: '/resource/api_keys',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Create an API key; the answer is the only one that shows its secret',
    auth: 'user',
    params: {
      algorithm: { type: 'string', required: true, allowBlank: false, description: 'HS256, HS384 or HS512' },
      kid: { type: 'string', description: 'Ignored: the kid is generated' },
      scope,
      totp_code: { ...totpCode, missing: 'resource.api_key.missing_totp' },
    },
    response: apiKeyWithSecretSchema,
    errors: { ...TOTP_ERRORS, 422: [...TOTP_ERRORS[422], 'kid.blank', 'algorithm.inclusion', 'scope.too_long'] },
    handler: async (c, p, { user }) => {
      const created = await changeWithTotp(user, p.totp_code, async (w) => {
        const invalid = algorithmErrors(p.algorithm)
        if (invalid.length) throw new AppError(invalid, 422)
        return createApiKey(w, deps.secrets, { userId: user.id, algorithm: p.algorithm, scope: parseScope(p.scope) })
      })
      c.header('Cache-Control', 'no-store')
      return c.json(presentNewApiKey(created.key, created.secret, deps.config.env.BARONG_API_KEY_SECRET_FORMAT), 201)
    },
  })

  api.add({
    method: 'patch',
    path: '/resource/api_keys/:kid',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Change an API key’s scope or state',
    auth: 'user',
    params: {
      kid: { type: 'string', required: true, allowBlank: false },
      scope,
      state: { type: 'string', values: API_KEY_STATES, valueError: 'state.inclusion', description: 'active or inactive' },
      totp_code: totpCode,
    },
    response: apiKeySchema,
    errors: { ...TOTP_ERRORS, 404: ['record.not_found'], 422: [...TOTP_ERRORS[422], 'state.inclusion', 'scope.too_long'] },
    handler: async (c, p, { user }) => {
      const updated = await changeWithTotp(user, p.totp_code, async (w) =>
        updateApiKey(w, await keyOf(w, user, p.kid), { ...(p.scope !== undefined ? { scope: parseScope(p.scope) } : {}), ...(p.state !== undefined ? { state: p.state } : {}) }),
      )
      return c.json(presentApiKey(updated))
    },
  })

  api.add({
    method: 'delete',
    path: '/resource/api_keys/:kid',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Delete an API key',
    auth: 'user',
    status: 204,
    params: { kid: { type: 'string', required: true, allowBlank: false }, totp_code: totpCode },
    errors: { ...TOTP_ERRORS, 404: ['record.not_found'] },
    handler: async (c, p, { user }) => {
      await changeWithTotp(user, p.totp_code, async (w) => deleteApiKey(w, await keyOf(w, user, p.kid)))
      return c.body(null, 204)
    },
  })
}
