import { bigint, pgTable, text } from 'drizzle-orm/pg-core'
import { updatedAt } from './columns.ts'

// Ours: admin writes to permissions/restrictions/levels bump `version` for their name so every
// gateway instance notices and reloads its in-memory rules.
export const configVersions = pgTable('config_versions', {
  name: text('name').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
  updatedAt: updatedAt(),
})

export type ConfigVersion = typeof configVersions.$inferSelect
export type NewConfigVersion = typeof configVersions.$inferInsert
