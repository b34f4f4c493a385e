import { and, count, eq, sql } from 'drizzle-orm'
import { z } from 'zod'
import { commit, type Work } from '../accounts/commit.ts'
import { userSchema } from '../accounts/entity-schemas.ts'
import { labelKeyErrors, labelValueErrors, normalizeLabelField } from '../accounts/label-format.ts'
import { deleteLabel, findLabel, upsertLabel } from '../accounts/labels.ts'
import { lockUser } from '../accounts/user-repository.ts'
import { userPresenter } from '../accounts/user-view.ts'
import type { Api, Caller } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { pageParams, paginate } from '../http/paginate.ts'
import { labels, users, type Label, type User } from '../storage/schema/index.ts'
import { recordAdminChange } from './admin-activity.ts'
import { guardSuperadmin, targetUser } from './targets.ts'
import type { AdminUserDeps } from './users.routes.ts'
import type { Context } from 'hono'
import type { AppEnv } from '../http/env.ts'

const PREFIX = 'admin.user'
const SCOPES = ['public', 'private'] as const
type Scope = (typeof SCOPES)[number]

const required = (description: string) => ({ type: 'string', required: true, allowBlank: false, description }) as const
const uid = { uid: required('The user’s uid') }
const key = { key: required('Label key (3..255 of a-z 0-9 _ -, lower-cased)') }
const scope = { scope: required('public or private') }
const value = { value: required('Label value (3..255 of a-z 0-9 _ -, lower-cased)') }
const description = { description: { type: 'string', allowBlank: false, description: 'Free text, up to 255 characters' } } as const

const MODEL_ERRORS = ['key.too_short', 'key.too_long', 'key.invalid', 'key.taken', 'value.too_short', 'value.too_long', 'value.invalid', 'scope.inclusion', 'description.too_long']
const WRITE_ERRORS = { 404: ['admin.user.doesnt_exist', 'admin.label.doesnt_exist'], 422: ['admin.user.superadmin_change', ...MODEL_ERRORS] }

/** Barong's Label model errors, in its validators' order. */
function modelErrors(l: { key: string; value: string; scope: string; description?: string | undefined }, taken: boolean): string[] {
  const errs = labelKeyErrors(l.key)
  if (taken) errs.push('key.taken')
  errs.push(...labelValueErrors(l.value))
  if (!(SCOPES as readonly string[]).includes(l.scope)) errs.push('scope.inclusion')
  if (l.description !== undefined && l.description.length > 255) errs.push('description.too_long')
  return errs
}

/** Ruby's `Hash#to_s` of a two-string array, the key Barong's grouped count answers with. */
const rubyPair = (k: string, v: string) => `[${JSON.stringify(k)}, ${JSON.stringify(v)}]`

/**
 * Staff label management (docs/barong-behaviour-notes.md#s4-4-2). Every write goes through the label module, so
 * level, state, API keys and events follow as for any other label change, and names its target's superadmin guard.
 */
export function registerAdminLabelRoutes(api: Api, deps: AdminUserDeps) {
  /** The target for a label write: it exists, the caller may change it; locked for the write's transaction. */
  const writeTarget = async (caller: Caller, uidValue: string): Promise<User> => {
    const target = await targetUser(deps.db, uidValue)
    guardSuperadmin(caller.user, target)
    return target
  }
  const existing = async (target: User, k: string, s: string): Promise<Label> => {
    const label = (SCOPES as readonly string[]).includes(s) ? await findLabel(deps.db, target.id, normalizeLabelField(k), s as Scope) : null
    if (!label) throw new AppError('admin.label.doesnt_exist', 404)
    return label
  }
  const note = (w: Work, c: Context<AppEnv>, caller: Caller, target: User, action: 'create' | 'update' | 'delete', label: Record<string, unknown>) =>
    recordAdminChange(w, c, caller.user, { topic: 'users', action, targetUid: target.uid, data: { label } })

  api.add({
    method: 'get',
    path: '/admin/users/labels/list',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'How many users carry each private label, as {"[\\"key\\", \\"value\\"]": count}',
    auth: { ability: { action: 'read', subject: 'User' } },
    response: z.record(z.string(), z.number().int()),
    handler: async (c) => {
      const rows = await deps.db
        .select({ key: labels.key, value: labels.value, n: count() })
        .from(labels)
        .where(eq(labels.scope, 'private'))
        .groupBy(labels.key, labels.value)
        .orderBy(labels.key, labels.value)
      return c.json(Object.fromEntries(rows.map((r) => [rubyPair(r.key, r.value), r.n])))
    },
  })

  api.add({
    method: 'get',
    path: '/admin/users/labels',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Users carrying a label with this key and value (any scope)',
    auth: { ability: { action: 'read', subject: 'User' } },
    params: { key: { type: 'string', required: true }, value: { type: 'string', required: true }, ...pageParams },
    response: z.array(userSchema),
    handler: async (c, p) => {
      const having = and(eq(labels.userId, users.id), eq(labels.key, normalizeLabelField(p.key)), eq(labels.value, normalizeLabelField(p.value)))
      const match = sql`exists (select 1 from ${labels} where ${having})`
      const rows = await paginate(c, p, {
        count: async () => (await deps.db.select({ n: count() }).from(users).where(match))[0]?.n ?? 0,
        rows: (w) => deps.db.select().from(users).where(match).orderBy(users.id).limit(w.limit).offset(w.offset),
      })
      return c.json(rows.map(await userPresenter(deps.db, rows)))
    },
  })

  api.add({
    method: 'post',
    path: '/admin/users/labels',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Give a user a label (scope public by default); private labels move level and state',
    auth: { ability: { action: 'create', subject: 'Label' } },
    status: 200,
    params: { ...uid, ...key, ...value, ...description, scope: { type: 'string', allowBlank: false, default: 'public', description: 'public (default) or private' } },
    response: z.literal(200),
    errors: WRITE_ERRORS,
    handler: async (c, p, caller) => {
      const target = await writeTarget(caller, p.uid)
      const l = { key: normalizeLabelField(p.key), value: normalizeLabelField(p.value), scope: p.scope, description: p.description }
      await commit(deps, async (w) => {
        await lockUser(w.tx, target.id)
        const taken = (SCOPES as readonly string[]).includes(l.scope) && (await findLabel(w.tx, target.id, l.key, l.scope as Scope)) !== null
        const errs = modelErrors(l, taken)
        if (errs.length) throw new AppError(errs, 422)
        await upsertLabel(w, deps.config, target, { ...l, scope: l.scope as Scope, description: l.description ?? null })
        await note(w, c, caller, target, 'create', l)
      })
      return c.json(200, 200)
    },
  })

  /** Sets value (and description when given) of the label (user, key, scope); creates it when `create`. */
  const setLabel = async (c: Context<AppEnv>, caller: Caller, p: { uid: string; key: string; scope: string; value: string; description?: string | undefined }, create: boolean) => {
    const target = await writeTarget(caller, p.uid)
    const l = { key: normalizeLabelField(p.key), value: normalizeLabelField(p.value), scope: p.scope, description: p.description }
    const found = (SCOPES as readonly string[]).includes(l.scope) ? await findLabel(deps.db, target.id, l.key, l.scope as Scope) : null
    if (!found && !create) throw new AppError('admin.label.doesnt_exist', 404)
    const errs = modelErrors(l, false)
    if (errs.length) throw new AppError(errs, 422)
    await commit(deps, async (w) => {
      // Barong cleared the description when none was sent to labels/update; it is kept (docs/differences-from-barong.md#d45).
      await upsertLabel(w, deps.config, target, { ...l, scope: l.scope as Scope, description: l.description ?? null })
      await note(w, c, caller, target, found ? 'update' : 'create', l)
    })
    return c.json(200, 200)
  }

  api.add({
    method: 'post',
    path: '/admin/users/labels/update',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Set a label’s value; with replace (default) a missing label is created',
    auth: { ability: { action: 'update', subject: 'Label' } },
    status: 200,
    params: { ...uid, ...key, ...scope, ...value, ...description, replace: { type: 'boolean', default: true, invalid: 'admin.user.non_boolean_replace' } },
    response: z.literal(200),
    errors: { ...WRITE_ERRORS, 422: [...WRITE_ERRORS[422], 'admin.user.non_boolean_replace'] },
    handler: (c, p, caller) => setLabel(c, caller, p, p.replace),
  })

  api.add({
    method: 'put',
    path: '/admin/users/labels',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Set an existing label’s value (and description when given)',
    auth: { ability: { action: 'update', subject: 'Label' } },
    status: 200,
    params: { ...uid, ...key, ...scope, ...value, ...description },
    response: z.literal(200),
    errors: WRITE_ERRORS,
    handler: (c, p, caller) => setLabel(c, caller, p, false),
  })

  api.add({
    method: 'delete',
    path: '/admin/users/labels',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Remove a label; a private one moves level and state',
    auth: { ability: { action: 'destroy', subject: 'Label' } },
    status: 200,
    params: { ...uid, ...key, ...scope },
    response: z.literal(200),
    errors: { 404: WRITE_ERRORS[404], 422: ['admin.user.superadmin_change'] },
    handler: async (c, p, caller) => {
      const target = await writeTarget(caller, p.uid)
      const label = await existing(target, p.key, p.scope)
      await commit(deps, async (w) => {
        await deleteLabel(w, deps.config, target, label)
        await note(w, c, caller, target, 'delete', { key: label.key, value: label.value, scope: label.scope })
      })
      return c.json(200, 200)
    },
  })
}
