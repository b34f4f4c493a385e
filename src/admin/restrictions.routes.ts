import { createHash, randomBytes } from 'node:crypto'
import { and, count, eq, gte, lte, ne, type SQL } from 'drizzle-orm'
import { z } from 'zod'
import { CATEGORIES, RESTRICTION_STATES, SCOPES, restrictionCode } from '../authz/core/restriction-codes.ts'
import { keys as storeKeys } from '../cache/keys.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { pageParams, paginate } from '../http/paginate.ts'
import { restrictions, type Restriction } from '../storage/schema/index.ts'
import type { Executor } from '../storage/tx.ts'
import { writeRules } from './rule-writes.ts'
import type { RuleDeps } from './permissions.routes.ts'
import { presentRestriction, restrictionErrors } from './rule-rows.ts'

const PREFIX = 'admin.restriction'
const ability = (action: 'read' | 'create' | 'update' | 'destroy') => ({ ability: { action, subject: 'Restriction' } }) as const
const scope = { type: 'string', allowBlank: false, values: SCOPES, valueError: 'admin.restriction.invalid_scope', description: SCOPES.join(', ') } as const
const category = { type: 'string', allowBlank: false, values: CATEGORIES, valueError: 'admin.restriction.invalid_category', description: CATEGORIES.join(', ') } as const
const state = { type: 'string', allowBlank: false, values: RESTRICTION_STATES, valueError: 'admin.restriction.invalid_state', description: 'enabled or disabled' } as const
const value = { type: 'string', allowBlank: false, description: 'An IP, a CIDR subnet, a country or continent code, or `all`' } as const
const code = { type: 'integer', description: 'The status a match answers (whitelist: always the scope’s default)' } as const
const idParam = { id: { type: 'integer', required: true, description: 'The restriction’s id' } } as const
const MODEL_ERRORS = ['scope.inclusion', 'state.inclusion', 'category.inclusion', 'value.taken', 'value.too_long', 'value.invalid']
const HOUR_MS = 3_600_000

const restrictionSchema = z.object({
  id: z.number().int(),
  category: z.string(),
  scope: z.string(),
  value: z.string(),
  code: z.number().int().nullable(),
  state: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
})

type RestrictionFields = Pick<Restriction, 'scope' | 'category' | 'state' | 'value' | 'code'>

/** Another row with the same scope, category and value (the table's unique key). */
async function taken(db: Executor, r: RestrictionFields, except?: number): Promise<boolean> {
  const where = and(eq(restrictions.scope, r.scope), eq(restrictions.category, r.category), eq(restrictions.value, r.value), except !== undefined ? ne(restrictions.id, except) : undefined)
  return (await db.select({ id: restrictions.id }).from(restrictions).where(where).limit(1)).length > 0
}

/**
 * Restrictions (docs/barong-behaviour-notes.md#s4-4-8) and the whitelink that `identity/users/access` consumes.
 * Every change reaches this instance's gate before the answer and the others within a second.
 */
export function registerRestrictionRoutes(api: Api, deps: RuleDeps) {
  /** The row as it will be stored, refused with the model's keys; the code follows Barong's assignment. */
  const validRow = async (db: Executor, r: RestrictionFields, except?: number): Promise<RestrictionFields> => {
    const errs = restrictionErrors(r, await taken(db, r, except))
    if (errs.length) throw new AppError(errs, 422)
    return { ...r, code: restrictionCode(r.category, r.scope, r.code) }
  }
  const find = async (id: number): Promise<Restriction> => {
    const [row] = await deps.db.select().from(restrictions).where(eq(restrictions.id, id)).limit(1)
    if (!row) throw new AppError('admin.restriction.doesnt_exist', 404)
    return row
  }

  api.add({
    method: 'get',
    path: '/admin/restrictions',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Restrictions, filtered by scope, category and a created/updated range (unix seconds)',
    auth: ability('read'),
    params: {
      scope,
      category,
      range: { type: 'string', values: ['created', 'updated'], default: 'created', valueError: 'admin.restriction.invalid_range' },
      from: { type: 'integer' },
      to: { type: 'integer' },
      ...pageParams,
    },
    response: z.array(restrictionSchema),
    errors: { 422: ['admin.restriction.invalid_scope', 'admin.restriction.invalid_category', 'admin.restriction.invalid_range'] },
    handler: async (c, p) => {
      const column = p.range === 'updated' ? restrictions.updatedAt : restrictions.createdAt
      const where: SQL | undefined = and(
        p.scope !== undefined ? eq(restrictions.scope, p.scope) : undefined,
        p.category !== undefined ? eq(restrictions.category, p.category) : undefined,
        p.from !== undefined ? gte(column, new Date(p.from * 1000)) : undefined,
        p.to !== undefined ? lte(column, new Date(p.to * 1000)) : undefined,
      )
      const rows = await paginate(c, p, {
        count: async () => (await deps.db.select({ n: count() }).from(restrictions).where(where))[0]?.n ?? 0,
        rows: (w) => deps.db.select().from(restrictions).where(where).orderBy(restrictions.id).limit(w.limit).offset(w.offset),
      })
      return c.json(rows.map(presentRestriction))
    },
  })

  api.add({
    method: 'post',
    path: '/admin/restrictions',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Add a restriction (enabled by default)',
    auth: ability('create'),
    status: 200,
    params: { scope: { ...scope, required: true }, value: { ...value, required: true }, category: { ...category, required: true }, state: { ...state, default: 'enabled' }, code },
    response: z.literal(200),
    errors: { 422: ['admin.restriction.invalid_scope', 'admin.restriction.invalid_category', 'admin.restriction.invalid_state', ...MODEL_ERRORS] },
    handler: async (c, p, caller) => {
      return writeRules(deps, c, caller, 'restrictions', 'create', async (w) => {
        const row = await validRow(w.tx, { scope: p.scope, category: p.category, state: p.state, value: p.value, code: p.code ?? null })
        const [created] = await w.tx.insert(restrictions).values({ ...row, createdAt: w.now, updatedAt: w.now }).returning()
        return presentRestriction(created!)
      })
    },
  })

  api.add({
    method: 'put',
    path: '/admin/restrictions',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Change a restriction; the result is checked as a new one would be',
    auth: ability('update'),
    status: 200,
    params: { ...idParam, scope, category, value, state, code },
    response: z.literal(200),
    errors: { 404: ['admin.restriction.doesnt_exist'], 422: ['admin.restriction.invalid_scope', 'admin.restriction.invalid_category', 'admin.restriction.invalid_state', ...MODEL_ERRORS] },
    handler: async (c, p, caller) => {
      const found = await find(p.id)
      return writeRules(deps, c, caller, 'restrictions', 'update', async (w) => {
        const row = await validRow(
          w.tx,
          { scope: p.scope ?? found.scope, category: p.category ?? found.category, state: p.state ?? found.state, value: p.value ?? found.value, code: p.code ?? found.code },
          found.id,
        )
        await w.tx.update(restrictions).set({ ...row, updatedAt: w.now }).where(eq(restrictions.id, found.id))
        return { id: found.id, ...row }
      })
    },
  })

  api.add({
    method: 'delete',
    path: '/admin/restrictions',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Remove a restriction',
    auth: ability('destroy'),
    status: 200,
    params: idParam,
    response: z.literal(200),
    errors: { 404: ['admin.restriction.doesnt_exist'] },
    handler: async (c, p, caller) => {
      const found = await find(p.id)
      return writeRules(deps, c, caller, 'restrictions', 'delete', async (w) => {
        await w.tx.delete(restrictions).where(eq(restrictions.id, found.id))
        return presentRestriction(found)
      })
    },
  })

  api.add({
    method: 'post',
    path: '/admin/restrictions/whitelink',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'A one-off token with which a visitor whitelists their IP (POST /identity/users/access)',
    auth: ability('create'),
    status: 201,
    params: {
      expire_time: { type: 'integer', default: 1, min: 1, max: 30, invalid: 'invalid_expire', description: 'How many days or hours (1..30)' },
      range: { type: 'string', allowBlank: false, values: ['day', 'hour'], default: 'day', valueError: 'invalid_range' },
    },
    response: z.object({ whitelink_token: z.string() }),
    errors: { 422: ['invalid_expire', 'invalid_range'] },
    handler: async (c, p) => {
      const token = randomBytes(32).toString('hex')
      // Only the token's digest is stored: a store dump grants no access.
      const ttl = p.expire_time * (p.range === 'day' ? 24 * HOUR_MS : HOUR_MS)
      await deps.store.set(storeKeys.whitelink(createHash('sha256').update(token).digest('hex')), 'active', ttl)
      return c.json({ whitelink_token: token }, 201)
    },
  })
}
