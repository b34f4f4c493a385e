import { AppError } from './errors.ts'

/**
 * Rack's bracket nesting for query, form and multipart names (what Grape's params see):
 * `a[b]=1` → `{a: {b: '1'}}`, `a[]=1&a[]=2` → `{a: ['1', '2']}`, `a[][b]=1&a[][c]=2` → `{a: [{b, c}]}`.
 * A name that nests a scalar under both a hash and an array is refused, as Rack refuses it; bad input is a 400
 * (docs/differences-from-barong.md#d32).
 */
export type ParamValue = string | File | ParamValue[] | ParamHash
export interface ParamHash {
  [key: string]: ParamValue
}

/** Bounds: Rack allows depth 32 by default; no Barong parameter nests deeper than 2. */
export const NESTING_LIMITS = { depth: 16, keys: 1000 } as const

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

export const invalidParams = () => new AppError('server.invalid_params', 400)

export const newHash = (): ParamHash => Object.create(null) as ParamHash

const isHash = (v: unknown): v is ParamHash => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof File)

function hasKey(hash: ParamHash, key: string): boolean {
  if (key.includes('[]')) return false
  let h: ParamValue = hash
  for (const part of key.split(/[[\]]+/)) {
    if (part === '') continue
    if (!isHash(h) || !Object.prototype.hasOwnProperty.call(h, part)) return false
    h = h[part]!
  }
  return true
}

function normalize(params: ParamHash, name: string, v: ParamValue, depth: number): ParamHash | ParamValue[] | undefined {
  if (depth >= NESTING_LIMITS.depth) throw invalidParams()
  let k: string
  let after: string
  if (depth === 0) {
    const start = name.indexOf('[', 1)
    if (start > 0) {
      k = name.slice(0, start)
      after = name.slice(start)
    } else {
      k = name
      after = ''
    }
  } else if (name.startsWith('[')) {
    const end = name.indexOf(']', 1)
    if (end > 0) {
      k = name.slice(1, end)
      after = name.slice(end + 1)
    } else {
      k = name
      after = ''
    }
  } else {
    k = name
    after = ''
  }
  if (k === '' || FORBIDDEN_KEYS.has(k)) return params
  if (after === '') {
    if (k === '[]' && depth !== 0) return [v]
    params[k] = v
  } else if (after === '[') {
    params[name] = v
  } else if (after === '[]') {
    const list = (params[k] ??= [])
    if (!Array.isArray(list)) throw invalidParams()
    list.push(v)
  } else if (after.startsWith('[]')) {
    let child = after.slice(2)
    const inner = after.slice(3, -1)
    if (after[2] === '[' && after.endsWith(']') && inner !== '' && !inner.includes('[') && !inner.includes(']')) child = inner
    const list = (params[k] ??= [])
    if (!Array.isArray(list)) throw invalidParams()
    const last = list[list.length - 1]
    if (isHash(last) && !hasKey(last, child)) normalize(last, child, v, depth + 1)
    else {
      const made = normalize(newHash(), child, v, depth + 1)
      if (made !== undefined) list.push(made as ParamValue)
    }
  } else {
    const sub = (params[k] ??= newHash())
    if (!isHash(sub)) throw invalidParams()
    params[k] = normalize(sub, after, v, depth + 1) as ParamValue
  }
  return params
}

/** Folds `(name, value)` pairs, in order, into Rack's nested params; bounded in depth and count. */
export function nestParams(pairs: Iterable<readonly [string, ParamValue]>, into: ParamHash = newHash()): ParamHash {
  let count = 0
  for (const [name, value] of pairs) {
    if (++count > NESTING_LIMITS.keys) throw invalidParams()
    normalize(into, name, value, 0)
  }
  return into
}
