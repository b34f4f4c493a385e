import { count, eq } from 'drizzle-orm'
import { z } from 'zod'
import { roleExists } from '../accounts/user-repository.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'
import { pageParams, paginate } from '../http/paginate.ts'
import { permissions, type Permission } from '../storage/schema/index.ts'
import { writeRules } from './rule-writes.ts'
import { permissionError, presentPermission, rulePath } from './rule-rows.ts'

export type RuleDeps = Pick<Deps, 'config' | 'db' | 'store' | 'clock' | 'relay' | 'logger' | 'authzCache'>

const PREFIX = 'admin.permission'
const ability = (action: 'read' | 'create' | 'update' | 'destroy') => ({ ability: { action, subject: 'Permission' } }) as const
const text = (description: string) => ({ type: 'string', allowBlank: false, description }) as const
const required = (description: string) => ({ ...text(description), required: true }) as const
const idParam = { id: { type: 'integer', required: true, description: 'The permission’s id' } } as const

const permissionSchema = z.object({
  id: z.number().int(),
  action: z.string(),
  role: z.string(),
  verb: z.string(),
  path: z.string(),
  topic: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
})

/**
 * The permission rules (docs/barong-behaviour-notes.md#s4-4-7): each change commits with a version bump, so this
 * instance's gate applies it before the answer and every other instance within a second.
 */
export function registerPermissionRoutes(api: Api, deps: RuleDeps) {
  const find = async (id: number): Promise<Permission> => {
    const [row] = await deps.db.select().from(permissions).where(eq(permissions.id, id)).limit(1)
    if (!row) throw new AppError('admin.permission.doesnt_exist', 404)
    return row
  }
  const checked = (p: { verb?: string | undefined; action?: string | undefined }) => {
    const key = permissionError(p)
    if (key) throw new AppError(key, 422)
  }

  api.add({
    method: 'get',
    path: '/admin/permissions',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'The permission rules, in id order',
    auth: ability('read'),
    params: pageParams,
    response: z.array(permissionSchema),
    handler: async (c, p) => {
      const rows = await paginate(c, p, {
        count: async () => (await deps.db.select({ n: count() }).from(permissions))[0]?.n ?? 0,
        rows: (w) => deps.db.select().from(permissions).orderBy(permissions.id).limit(w.limit).offset(w.offset),
      })
      return c.json(rows.map(presentPermission))
    },
  })

  api.add({
    method: 'post',
    path: '/admin/permissions',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Add a rule for a role already in the table (verb and action stored upper-case)',
    auth: ability('create'),
    status: 200,
    params: {
      role: required('A role present in the rules'),
      verb: required('get post put delete patch head or all'),
      path: required('A path prefix, e.g. api/v2/barong/admin'),
      action: required('accept, drop or audit'),
      topic: text('The audit topic'),
    },
    response: z.literal(200),
    errors: { 422: ['admin.permissions.invalid_verb', 'admin.permissions.invalid_action', 'admin.permission.role_doesnt_exist'] },
    handler: async (c, p, caller) => {
      checked(p)
      if (!(await roleExists(deps.db, p.role))) throw new AppError('admin.permission.role_doesnt_exist', 422)
      const row = { role: p.role, verb: p.verb.toUpperCase(), path: rulePath(p.path), action: p.action.toUpperCase(), topic: p.topic ?? null }
      return writeRules(deps, c, caller, 'permissions', 'create', async (w) => {
        const [created] = await w.tx.insert(permissions).values({ ...row, createdAt: w.now, updatedAt: w.now }).returning()
        return presentPermission(created!)
      })
    },
  })

  api.add({
    method: 'put',
    path: '/admin/permissions',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Change a rule (verb and action checked, as for a new one)',
    auth: ability('update'),
    status: 200,
    params: { ...idParam, role: text('Role'), verb: text('Verb'), path: text('Path prefix'), action: text('Action'), topic: text('Audit topic') },
    response: z.literal(200),
    errors: { 404: ['admin.permission.doesnt_exist'], 422: ['admin.permissions.invalid_verb', 'admin.permissions.invalid_action'] },
    handler: async (c, p, caller) => {
      const found = await find(p.id)
      // Barong stored any verb or action here (an `ALL` action matched nothing); they are checked (docs/differences-from-barong.md#d45).
      checked(p)
      const patch = {
        ...(p.role !== undefined ? { role: p.role } : {}),
        ...(p.verb !== undefined ? { verb: p.verb.toUpperCase() } : {}),
        ...(p.path !== undefined ? { path: rulePath(p.path) } : {}),
        ...(p.action !== undefined ? { action: p.action.toUpperCase() } : {}),
        ...(p.topic !== undefined ? { topic: p.topic } : {}),
      }
      return writeRules(deps, c, caller, 'permissions', 'update', async (w) => {
        await w.tx.update(permissions).set({ ...patch, updatedAt: w.now }).where(eq(permissions.id, found.id))
        return { id: found.id, ...patch }
      })
    },
  })

  api.add({
    method: 'delete',
    path: '/admin/permissions',
    tag: 'admin',
    prefix: PREFIX,
    summary: 'Remove a rule',
    auth: ability('destroy'),
    status: 200,
    params: idParam,
    response: z.literal(200),
    errors: { 404: ['admin.permission.doesnt_exist'] },
    handler: async (c, p, caller) => {
      const found = await find(p.id)
      return writeRules(deps, c, caller, 'permissions', 'delete', async (w) => {
        await w.tx.delete(permissions).where(eq(permissions.id, found.id))
        return presentPermission(found)
      })
    },
  })
}
