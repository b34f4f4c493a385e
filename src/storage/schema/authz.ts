import { bigserial, index, integer, pgTable, uniqueIndex, varchar } from 'drizzle-orm/pg-core'
import { timestamps } from './columns.ts'

// Barong §5.6 (docs/barong-behaviour-notes.md#s5): RBAC rows read by the authorizer (action ACCEPT|DROP|AUDIT, verb
// upper-case or ALL, path a prefix without leading slash).
export const permissions = pgTable(
  'permissions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    action: varchar('action', { length: 255 }).notNull(),
    role: varchar('role', { length: 255 }).notNull(),
    verb: varchar('verb', { length: 255 }).notNull(),
    path: varchar('path', { length: 255 }).notNull(),
    topic: varchar('topic', { length: 255 }),
    ...timestamps(),
  },
  (t) => [index('permissions_role_idx').on(t.role), index('permissions_topic_idx').on(t.topic)],
)

// Barong §5.9 (docs/barong-behaviour-notes.md#s5): IP/country/continent whitelist, maintenance and blacklist rules.
export const restrictions = pgTable(
  'restrictions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    category: varchar('category', { length: 255 }).notNull(),
    scope: varchar('scope', { length: 64 }).notNull(),
    value: varchar('value', { length: 64 }).notNull(),
    code: integer('code'),
    state: varchar('state', { length: 16 }).notNull().default('enabled'),
    ...timestamps(),
  },
  (t) => [uniqueIndex('restrictions_scope_category_value_key').on(t.scope, t.category, t.value)],
)

export type Permission = typeof permissions.$inferSelect
export type NewPermission = typeof permissions.$inferInsert
export type Restriction = typeof restrictions.$inferSelect
export type NewRestriction = typeof restrictions.$inferInsert
