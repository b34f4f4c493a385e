import { timestamp } from 'drizzle-orm/pg-core'

// Shared column builders. Each call returns a fresh builder, so tables never share one instance.
// All times are timestamptz read back as JS Dates; Barong's NOT NULL datetimes map to createdAt/updatedAt.
// The DB default only fills rows inserted without a value: code that follows an injected clock
// (`deps.clock.now()`) passes createdAt/updatedAt explicitly, and every UPDATE must set updatedAt itself.

/** Nullable timestamptz (e.g. `validated_at`, `sent_at`). */
export function timestamptz(name: string) {
  return timestamp(name, { withTimezone: true, mode: 'date' })
}

export function createdAt() {
  return timestamptz('created_at').notNull().defaultNow()
}

export function updatedAt() {
  return timestamptz('updated_at').notNull().defaultNow()
}

/** `created_at` + `updated_at`, spread into a table's columns. */
export function timestamps() {
  return { createdAt: createdAt(), updatedAt: updatedAt() }
}
