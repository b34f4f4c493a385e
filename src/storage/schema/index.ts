// The whole data model (Barong's, docs/barong-behaviour-notes.md#s5, plus our outbox and config versions).
// drizzle-kit reads this file (drizzle.config.ts); code imports tables and row types from here.
export * from './columns.ts'
export * from './users.ts'
export * from './labels.ts'
export * from './api-keys.ts'
export * from './authz.ts'
export * from './kyc.ts'
export * from './activities.ts'
export * from './user-data.ts'
export * from './outbox.ts'
export * from './config-versions.ts'
export * from './tokens.ts'
export * from './kyc-jobs.ts'
