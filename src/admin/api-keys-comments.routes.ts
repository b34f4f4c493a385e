import { eq } from 'drizzle-orm'
import { z } from 'zod'
import { API_KEY_ORDER_COLUMNS, countUserApiKeys, userApiKeysPage, type ApiKeyOrderColumn } from '../accounts/api-keys.ts'
import { commit } from '../accounts/commit.ts'
import { presentApiKey } from '../accounts/entities.ts'
import { apiKeySchema, userWithKycSchema } from '../accounts/entity-schemas.ts'
import { userWithKyc } from '../accounts/user-view.ts'
import type { Api } from '../http/api.ts'
import { errors } from '../http/errors.ts'
import { pageParams, paginate } from '../http/paginate.ts'
import { comments, users, type Comment } from '../storage/schema/index.ts'
import { recordAdminChange } from './admin-activity.ts'
import { targetUser } from './targets.ts'
import type { AdminUserDeps } from './users.routes.ts'

const TITLE_MAX = 64
const DATA_MAX = 65_535
// Room for the longest note Barong allows, even JSON-escaped (its key must be reachable, not a 413).
const COMMENT_BODY_LIMIT = 8 * DATA_MAX
const title = { type: 'string', allowBlank: false, check: (v: unknown) => (String(v).length > TITLE_MAX ? 'admin.comments.title_too_long' : null) } as const
const data = { type: 'string', allowBlank: false, check: (v: unknown) => (String(v).length > DATA_MAX ? 'admin.comments.data_too_long' : null) } as const
const idParam = { id: { type: 'integer', required: true, description: 'The comment’s id' } } as const
// Barong checked no ability on comments; notes about a user are managing the user.
const MANAGE_USER = { ability: { action: 'update', subject: 'User' } } as const

/** A user's API keys, read-only (docs/barong-behaviour-notes.md#s4-4-6), and staff comments about a user (#s4-4-3). */
export function registerAdminApiKeyAndCommentRoutes(api: Api, deps: AdminUserDeps) {
  api.add({
    method: 'get',
    path: '/admin/api_keys',
    tag: 'admin',
    prefix: 'admin.api_keys',
    summary: 'A user’s API keys (never their secrets)',
    auth: { ability: { action: 'read', subject: 'APIKey' } },
    params: {
      uid: { type: 'string', required: true, allowBlank: false, missing: 'admin.user.missing_uid', empty: 'admin.user.empty_uid' },
      ordering: { type: 'string', values: ['asc', 'desc'], default: 'asc', valueError: 'api_keys.ordering.invalid_ordering' },
      order_by: { type: 'string', values: Object.keys(API_KEY_ORDER_COLUMNS), default: 'id', valueError: 'api_keys.ordering.invalid_attribute' },
      ...pageParams,
    },
    response: z.array(apiKeySchema),
    errors: { 404: ['admin.user.doesnt_exist'], 422: ['api_keys.ordering.invalid_ordering', 'api_keys.ordering.invalid_attribute'] },
    handler: async (c, p) => {
      const target = await targetUser(deps.db, p.uid)
      const order = { by: p.order_by as ApiKeyOrderColumn, dir: p.ordering as 'asc' | 'desc' }
      const rows = await paginate(c, p, { count: () => countUserApiKeys(deps.db, target.id), rows: (w) => userApiKeysPage(deps.db, target.id, order, w) })
      return c.json(rows.map(presentApiKey))
    },
  })

  const comment = async (id: number): Promise<Comment> => {
    const [row] = await deps.db.select().from(comments).where(eq(comments.id, id)).limit(1)
    if (!row) throw errors.notFound()
    return row
  }
  const ownerView = async (userId: number) => {
    const [owner] = await deps.db.select().from(users).where(eq(users.id, userId))
    return userWithKyc(deps, owner!)
  }
  const commentErrors = { 422: ['admin.comments.title_too_long', 'admin.comments.data_too_long'] }

  api.add({
    method: 'post',
    path: '/admin/users/comments',
    tag: 'admin',
    prefix: 'admin.user',
    summary: 'Add a staff note about a user (author: the caller); answers the user’s UserWithKYC',
    auth: MANAGE_USER,
    bodyLimit: COMMENT_BODY_LIMIT,
    params: { uid: { type: 'string', required: true, allowBlank: false }, title: { ...title, required: true }, data: { ...data, required: true } },
    response: userWithKycSchema,
    errors: { 404: ['admin.user.doesnt_exist'], ...commentErrors },
    handler: async (c, p, caller) => {
      const target = await targetUser(deps.db, p.uid)
      await commit(deps, async (w) => {
        await w.tx.insert(comments).values({ userId: target.id, authorUid: caller.user.uid, title: p.title, data: p.data, createdAt: w.now, updatedAt: w.now })
        await recordAdminChange(w, c, caller.user, { topic: 'users', action: 'create', targetUid: target.uid, data: { comment: { title: p.title } } })
      })
      return c.json(await userWithKyc(deps, target), 201)
    },
  })

  api.add({
    method: 'put',
    path: '/admin/users/comments',
    tag: 'admin',
    prefix: 'admin.user',
    summary: 'Change a staff note’s title or text',
    auth: MANAGE_USER,
    bodyLimit: COMMENT_BODY_LIMIT,
    params: { ...idParam, title, data },
    response: userWithKycSchema,
    errors: { 404: ['record.not_found'], ...commentErrors },
    handler: async (c, p, caller) => {
      const found = await comment(p.id)
      const patch = { ...(p.title !== undefined ? { title: p.title } : {}), ...(p.data !== undefined ? { data: p.data } : {}) }
      await commit(deps, async (w) => {
        await w.tx.update(comments).set({ ...patch, updatedAt: w.now }).where(eq(comments.id, found.id))
        await recordAdminChange(w, c, caller.user, { topic: 'users', action: 'update', data: { comment: { id: found.id, ...(patch.title ? { title: patch.title } : {}) } } })
      })
      return c.json(await ownerView(found.userId))
    },
  })

  api.add({
    method: 'delete',
    path: '/admin/users/comments',
    tag: 'admin',
    prefix: 'admin.user',
    summary: 'Remove a staff note',
    auth: MANAGE_USER,
    status: 200,
    params: idParam,
    response: userWithKycSchema,
    errors: { 404: ['record.not_found'] },
    handler: async (c, p, caller) => {
      const found = await comment(p.id)
      await commit(deps, async (w) => {
        await w.tx.delete(comments).where(eq(comments.id, found.id))
        await recordAdminChange(w, c, caller.user, { topic: 'users', action: 'delete', data: { comment: { id: found.id, title: found.title } } })
      })
      return c.json(await ownerView(found.userId))
    },
  })
}
