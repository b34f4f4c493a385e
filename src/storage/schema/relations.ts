import { relations } from 'drizzle-orm'
import { labels } from './labels.ts'
import { phones, profiles } from './kyc.ts'
import { dataStorages } from './user-data.ts'
import { users } from './users.ts'

// For drizzle's relational queries only (no columns, no migration): a user's full view is one statement.
export const userRelations = relations(users, ({ one, many }) => ({
  referrer: one(users, { fields: [users.referralId], references: [users.id] }),
  labels: many(labels),
  phones: many(phones),
  profiles: many(profiles),
  dataStorages: many(dataStorages),
}))
export const labelRelations = relations(labels, ({ one }) => ({ user: one(users, { fields: [labels.userId], references: [users.id] }) }))
export const phoneRelations = relations(phones, ({ one }) => ({ user: one(users, { fields: [phones.userId], references: [users.id] }) }))
export const profileRelations = relations(profiles, ({ one }) => ({ user: one(users, { fields: [profiles.userId], references: [users.id] }) }))
export const dataStorageRelations = relations(dataStorages, ({ one }) => ({ user: one(users, { fields: [dataStorages.userId], references: [users.id] }) }))
