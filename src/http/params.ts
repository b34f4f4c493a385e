import { isBlank as isRubyBlank } from '../util/values.ts'

/**
 * Barong (Grape) parameter declarations. Params arrive as query, form, multipart or JSON and are merged
 * into one object; failures become Barong's keys in declaration order (docs/barong-behaviour-notes.md#s4-0):
 * absent → `<prefix>.missing_<name>`, blank with allowBlank:false → `<prefix>.empty_<name>` (an absent
 * param gets both), type coercion → `invalid` (or a custom key), `values` → `value` (or a custom key).
 */
export type ParamType = 'string' | 'integer' | 'boolean' | 'date' | 'json-string' | 'any' | 'files'

export interface ParamSpec {
  type: ParamType
  required?: boolean
  allowBlank?: boolean
  values?: readonly (string | number)[]
  /** Compare `values` case-insensitively (verbs, actions). */
  valuesIgnoreCase?: boolean
  default?: unknown
  missing?: string
  empty?: string
  invalid?: string
  valueError?: string
  /** Custom check after coercion; returns an error key or null. */
  check?: (value: unknown) => string | null
  description?: string
  /** Integer bounds (checked with the `invalid` key unless `rangeError`). */
  min?: number
  max?: number
  rangeError?: string
}

export type ParamsSpec = Record<string, ParamSpec>

type Out<S extends ParamSpec> = S['type'] extends 'integer'
  ? number
  : S['type'] extends 'boolean'
    ? boolean
    : S['type'] extends 'files'
      ? File[]
      : S['type'] extends 'any'
        ? unknown
        : string

export type ParamsOf<P extends ParamsSpec> = {
  [K in keyof P]: P[K]['required'] extends true
    ? Out<P[K]>
    : P[K] extends { default: unknown }
      ? Out<P[K]>
      : Out<P[K]> | undefined
}

export type RawParams = Record<string, unknown>

// C0 controls except tab, LF and CR; DEL; C1 controls; lone surrogates (in `u` mode the surrogate range
// matches only unpaired halves). PostgreSQL refuses NUL in text, and none of these belongs in an email,
// a name or a token.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]/u
const MAX_DEPTH = 16

/** Every string inside `v` is well-formed UTF-16 without control characters; nesting is bounded. */
export function isCleanValue(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return !CONTROL.test(v)
  if (v === null || typeof v !== 'object' || v instanceof File) return true
  if (depth >= MAX_DEPTH) return false
  if (Array.isArray(v)) return v.every((x) => isCleanValue(x, depth + 1))
  return Object.entries(v).every(([k, x]) => isCleanValue(k, depth + 1) && isCleanValue(x, depth + 1))
}

// Grape's allow_blank lets `false` through, unlike Ruby's blank?.
const isBlank = (v: unknown): boolean => v !== false && isRubyBlank(v)

/**
 * A calendar date as Grape's Date coercion (Ruby's `Date.parse`) reads the forms front ends send: `YYYY-MM-DD`,
 * `YYYY/MM/DD`, and day first `DD/MM/YYYY`, `DD-MM-YYYY`, `DD.MM.YYYY` (baseapp sends `01/04/1990` for 1 April);
 * returned as `YYYY-MM-DD`, or null when it is no real date.
 */
export function isoDate(v: string): string | null {
  const t = v.trim()
  const ymd = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(t)
  const dmy = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$/.exec(t)
  const [y, m, d] = ymd ? [ymd[1]!, ymd[2]!, ymd[3]!] : dmy ? [dmy[4]!, dmy[3]!, dmy[1]!] : []
  if (!y) return null
  const iso = `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`
  const date = new Date(`${iso}T00:00:00Z`)
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : iso
}

function coerce(type: ParamType, v: unknown): { ok: true; value: unknown } | { ok: false } {
  switch (type) {
    case 'any':
      return { ok: true, value: v }
    case 'string':
    case 'json-string':
      if (typeof v === 'string') return { ok: true, value: v }
      if (typeof v === 'number' || typeof v === 'boolean') return { ok: true, value: String(v) }
      return { ok: false }
    case 'integer':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return { ok: true, value: v }
      if (typeof v === 'string' && /^\s*[-+]?\d{1,15}\s*$/.test(v)) return { ok: true, value: Number(v) }
      return { ok: false }
    case 'boolean':
      if (v === true || v === 'true' || v === '1' || v === 1) return { ok: true, value: true }
      if (v === false || v === 'false' || v === '0' || v === 0) return { ok: true, value: false }
      return { ok: false }
    case 'date': {
      const iso = typeof v === 'string' ? isoDate(v) : null
      return iso ? { ok: true, value: iso } : { ok: false }
    }
    case 'files': {
      const list = Array.isArray(v) ? v : [v]
      return list.every((f) => f instanceof File) ? { ok: true, value: list } : { ok: false }
    }
  }
}

/** Pure: raw merged params → typed params or Barong's error keys. */
export function validateParams<P extends ParamsSpec>(
  prefix: string,
  spec: P,
  raw: RawParams,
): { ok: true; value: ParamsOf<P> } | { ok: false; errors: string[] } {
  const errs: string[] = []
  const out: Record<string, unknown> = Object.create(null)
  for (const [name, s] of Object.entries(spec)) {
    const present = Object.prototype.hasOwnProperty.call(raw, name) && raw[name] !== undefined
    const v = present ? raw[name] : undefined
    const blankNotAllowed = s.allowBlank === false
    if (!present) {
      if (s.required) errs.push(s.missing ?? `${prefix}.missing_${name}`)
      if (s.required && blankNotAllowed) errs.push(s.empty ?? `${prefix}.empty_${name}`)
      if (s.default !== undefined) out[name] = s.default
      continue
    }
    if (!isCleanValue(v)) {
      errs.push(s.invalid ?? `${prefix}.invalid_${name}`)
      continue
    }
    if (blankNotAllowed && isBlank(v)) {
      errs.push(s.empty ?? `${prefix}.empty_${name}`)
      continue
    }
    if (v === null || (v === '' && s.type !== 'string' && s.type !== 'json-string' && s.type !== 'any')) {
      // Grape leaves an explicit null/empty optional param as nil.
      if (s.default !== undefined) out[name] = s.default
      else if (s.required && s.type !== 'any') errs.push(s.invalid ?? 'invalid')
      continue
    }
    const c = coerce(s.type, v)
    if (!c.ok) {
      errs.push(s.invalid ?? 'invalid')
      continue
    }
    let value = c.value
    if (s.type === 'integer' && ((s.min !== undefined && (value as number) < s.min) || (s.max !== undefined && (value as number) > s.max))) {
      errs.push(s.rangeError ?? s.invalid ?? 'invalid')
      continue
    }
    if (s.values) {
      const cmp = s.valuesIgnoreCase ? String(value).toLowerCase() : value
      const allowed = s.values.map((x) => (s.valuesIgnoreCase ? String(x).toLowerCase() : x))
      if (!allowed.includes(cmp as string | number)) {
        errs.push(s.valueError ?? 'value')
        continue
      }
    }
    if (s.check) {
      const k = s.check(value)
      if (k) {
        errs.push(k)
        continue
      }
    }
    out[name] = value
  }
  return errs.length ? { ok: false, errors: [...new Set(errs)] } : { ok: true, value: out as ParamsOf<P> }
}
