import type { Sql } from 'postgres'

type Unsafe = Sql['unsafe']

/**
 * The client drizzle is given: every statement it sends is a named (prepared) one. postgres.js runs an unnamed
 * statement with parameters in two round trips, one to learn the parameter types and one to execute, and a named
 * one it has seen on that connection in one; drizzle names only the queries built with `.prepare()`. Measured on
 * a select by email: 150–170 µs of CPU and wall time against 200–290 / 275–365 µs. The connection's `prepare`
 * option still decides (DATABASE_PREPARE=false behind PgBouncer in transaction mode turns names off).
 * Transactions and savepoints hand drizzle a client of their own, which is wrapped the same way.
 */
export function namedStatements<T extends Sql>(client: T): T {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'unsafe') {
        const unsafe: Unsafe = (query, args, options) => target.unsafe(query, args, { ...options, prepare: true })
        return unsafe
      }
      if (key === 'begin' || key === 'savepoint') {
        const open = Reflect.get(target, key, receiver) as (...a: unknown[]) => Promise<unknown>
        return (...a: unknown[]) => {
          const fn = a.pop() as (inner: Sql) => unknown
          return open.call(target, ...a, (inner: Sql) => fn(namedStatements(inner)))
        }
      }
      return Reflect.get(target, key, receiver)
    },
  })
}
