import type { Database } from './db.ts'

/** The transaction handle has the same query surface as the database. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0]
export type Executor = Database | Tx

/** Runs fn in one transaction: every multi-row change goes through here. */
export function withTx<T>(db: Database, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(fn)
}
