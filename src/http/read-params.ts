import type { Context } from 'hono'
import { AppError } from './errors.ts'
import { mediaType } from './media-type.ts'
import { nestParams, newHash, type ParamHash, type ParamValue } from './nested-params.ts'
import type { RawParams } from './params.ts'

/**
 * The request's parameters as Grape sees them: query string, then the body (JSON, urlencoded or
 * multipart) merged over it. Whatever cannot be parsed is the client's fault (400), never a 500:
 * `server.invalid_json`, `server.invalid_encoding` (bad %-escape or not UTF-8), `server.invalid_body`
 * (a form or multipart body that cannot be read), `server.invalid_params` (nesting too deep, too many keys,
 * a name used both as a hash and an array).
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const utf8 = new TextDecoder('utf-8', { fatal: true })

export const invalidEncoding = () => new AppError('server.invalid_encoding', 400)
const invalidBody = () => new AppError('server.invalid_body', 400)

function decodeComponent(s: string): string {
  try {
    // Throws on a malformed escape and on bytes that are not UTF-8.
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    throw invalidEncoding()
  }
}

/** `a=1&b[]=2` → ordered (name, value) pairs, strictly decoded. */
export function formPairs(text: string): [string, string][] {
  const pairs: [string, string][] = []
  for (const part of text.split(/[&;]/)) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = decodeComponent(eq < 0 ? part : part.slice(0, eq))
    pairs.push([name, eq < 0 ? '' : decodeComponent(part.slice(eq + 1))])
  }
  return pairs
}

function decodeUtf8(bytes: ArrayBuffer): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw invalidEncoding()
  }
}

async function bodyBytes(c: Context): Promise<ArrayBuffer> {
  try {
    return await c.req.arrayBuffer()
  } catch {
    throw invalidBody()
  }
}

function mergeInto(target: RawParams, src: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(src)) if (!FORBIDDEN_KEYS.has(k)) target[k] = v
}

async function readBody(c: Context, type: string): Promise<ParamHash | Record<string, unknown> | null> {
  if (type === 'application/json' || type.endsWith('+json')) {
    const text = decodeUtf8(await bodyBytes(c))
    if (text.trim() === '') return null
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new AppError('server.invalid_json', 400)
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AppError('server.invalid_json', 400)
    return body as Record<string, unknown>
  }
  if (type === 'application/x-www-form-urlencoded') return nestParams(formPairs(decodeUtf8(await bodyBytes(c))))
  if (type === 'multipart/form-data') {
    let form: FormData
    try {
      form = await c.req.formData()
    } catch {
      // Missing or wrong boundary, truncated parts.
      throw invalidBody()
    }
    return nestParams(form.entries() as Iterable<[string, ParamValue]>)
  }
  return null
}

/** Merges the query string and the body into one params object (shallow, body over query, as Rack). */
export async function readParams(c: Context): Promise<RawParams> {
  const raw: RawParams = Object.create(null)
  const url = c.req.url
  const q = url.indexOf('?')
  if (q >= 0) {
    const hash = url.indexOf('#', q)
    mergeInto(raw, nestParams(formPairs(url.slice(q + 1, hash < 0 ? undefined : hash)), newHash()))
  }
  const method = c.req.method
  if (method === 'GET' || method === 'HEAD') return raw
  const type = mediaType(c.req.header('content-type'))
  const body = await readBody(c, type)
  if (body) mergeInto(raw, body)
  return raw
}
