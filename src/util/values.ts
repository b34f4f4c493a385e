/** A JSON or YAML mapping: not null, not an array, not a class instance (a File, a Date). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false
  const proto: unknown = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** Ruby's `blank?`: nil, false, a whitespace-only string, an empty array or mapping. */
export function isBlank(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return true
  if (typeof v === 'string') return v.trim() === ''
  if (Array.isArray(v)) return v.length === 0
  if (isPlainObject(v)) return Object.keys(v).length === 0
  return false
}

/** JSON text (Barong's `data_is_json` validation). */
export function isJsonText(s: string): boolean {
  try {
    JSON.parse(s)
    return true
  } catch {
    return false
  }
}
