/**
 * A drizzle query prepared once per database handle: drizzle builds a query's SQL text on every execution
 * unless it was prepared, and on the sign-in path that building cost more than the statement's own round trip
 * (README "Performance"). A transaction handle gets its own, built once for it.
 */
export function preparedPer<D extends object, Q>(build: (db: D) => Q): (db: D) => Q {
  const cache = new WeakMap<D, Q>()
  return (db) => {
    let q = cache.get(db)
    if (!q) cache.set(db, (q = build(db)))
    return q
  }
}
