/**
 * Remembers the results of a pure function of one string, for inputs that repeat from request to request
 * (the client address, the request path). Bounded: past `max` entries the table starts again, which costs
 * one recomputation per key and no bookkeeping per hit. Inputs longer than `maxKeyLength` are not kept.
 */
export function memoByString<V>(fn: (key: string) => V, max = 4096, maxKeyLength = 512): (key: string) => V {
  let table = new Map<string, V>()
  return (key) => {
    const hit = table.get(key)
    if (hit !== undefined) return hit
    const value = fn(key)
    if (key.length <= maxKeyLength) {
      if (table.size >= max) table = new Map()
      table.set(key, value)
    }
    return value
  }
}
