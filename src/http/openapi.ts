import { z } from 'zod'
import type { Access, ErrorKeys, Method } from './route-decl.ts'
import type { ParamSpec, ParamsSpec } from './params.ts'

/** What the document needs of a declared route. */
export interface DocumentedRoute {
  method: Method
  path: string
  tag: string
  summary: string
  prefix: string
  params: ParamsSpec
  status: number
  access: Access
  response: z.ZodType | undefined
  errors: ErrorKeys
  bodyLimit: number
}

/** Keys the shared layers answer before or around a handler (read-params.ts, api.ts). */
export const BODY_ERROR_KEYS = ['server.invalid_json', 'server.invalid_encoding', 'server.invalid_body', 'server.invalid_params'] as const

export const hasRequestBody = (method: Method) => method !== 'get' && method !== 'delete'

function schemaOf(p: ParamSpec): Record<string, unknown> {
  const s: Record<string, unknown> =
    p.type === 'integer'
      ? { type: 'integer' }
      : p.type === 'boolean'
        ? { type: 'boolean' }
        : p.type === 'date'
          ? { type: 'string', format: 'date' }
          : p.type === 'files'
            ? { type: 'array', items: { type: 'string', format: 'binary' } }
            : p.type === 'any'
              ? {}
              : { type: 'string' }
  if (p.values) s.enum = [...p.values]
  if (p.default !== undefined) s.default = p.default
  if (p.min !== undefined) s.minimum = p.min
  if (p.max !== undefined) s.maximum = p.max
  if (p.description) s.description = p.description
  return s
}

/** The 422 keys a parameter declaration can produce (params.ts's rules), in declaration order. */
export function validationKeysOf(prefix: string, params: ParamsSpec): string[] {
  const keys: string[] = []
  for (const [name, p] of Object.entries(params)) {
    if (p.required) keys.push(p.missing ?? `${prefix}.missing_${name}`)
    if (p.allowBlank === false) keys.push(p.empty ?? `${prefix}.empty_${name}`)
    keys.push(p.invalid ?? `${prefix}.invalid_${name}`)
    if (p.type !== 'string' && p.type !== 'any' && !p.invalid) keys.push('invalid')
    if (p.rangeError) keys.push(p.rangeError)
    if (p.values) keys.push(p.valueError ?? 'value')
  }
  return keys
}

/** Every key the route can answer, by status: the declared ones and those of the shared layers. */
export function errorKeysOf(r: DocumentedRoute): Record<string, string[]> {
  const out: Record<string, Set<string>> = {}
  const add = (status: number, keys: readonly string[]) => {
    const set = (out[String(status)] ??= new Set())
    for (const k of keys) set.add(k)
  }
  if (r.access !== 'none') {
    add(401, ['jwt.decode_and_verify'])
    add(404, ['record.not_found'])
  }
  if (typeof r.access === 'object') add(403, ['admin.ability.not_permitted'])
  add(400, ['server.invalid_encoding', 'server.invalid_params'])
  if (hasRequestBody(r.method)) {
    add(400, BODY_ERROR_KEYS)
    add(413, ['server.payload_too_large'])
  }
  const validation = validationKeysOf(r.prefix, r.params)
  if (validation.length) add(422, validation)
  for (const [status, keys] of Object.entries(r.errors)) add(Number(status), keys ?? [])
  return Object.fromEntries(Object.entries(out).map(([s, set]) => [s, [...set]]))
}

/** A zod schema as OpenAPI 3.0; named schemas (`.meta({ id })`) are hoisted into components. */
function responseSchema(schema: z.ZodType, components: Record<string, unknown>): unknown {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any' }) as Record<string, unknown>
  const { definitions, $defs, ...rest } = json as { definitions?: Record<string, unknown>; $defs?: Record<string, unknown> }
  const relink = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replace(/"#\/(?:definitions|\$defs)\//g, '"#/components/schemas/'))
  for (const [id, def] of Object.entries({ ...definitions, ...$defs })) components[id] = relink(def)
  return relink(rest)
}

const errorResponse = (keys: string[]) => ({
  description: keys.map((k) => `\`${k}\``).join(', '),
  content: {
    'application/json': {
      schema: { type: 'object', properties: { errors: { type: 'array', items: { type: 'string', enum: keys } } }, required: ['errors'] },
    },
  },
})

export function buildDocument(info: { title: string; version: string }, routes: readonly DocumentedRoute[]): object {
  const paths: Record<string, Record<string, unknown>> = {}
  const schemas: Record<string, unknown> = {
    Errors: { type: 'object', properties: { errors: { type: 'array', items: { type: 'string' } } }, required: ['errors'] },
  }
  for (const r of routes) {
    const pathParams = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!)
    const oaPath = r.path.replace(/:([A-Za-z_]+)/g, '{$1}')
    const entries = Object.entries(r.params).filter(([n]) => !pathParams.includes(n))
    const inQuery = !hasRequestBody(r.method)
    const success: Record<string, unknown> = { description: 'Success' }
    if (r.response) success.content = { 'application/json': { schema: responseSchema(r.response, schemas) } }
    const responses: Record<string, unknown> = { [String(r.status)]: success }
    for (const [status, keys] of Object.entries(errorKeysOf(r))) responses[status] = errorResponse(keys)
    responses.default = {
      description: 'Error: `{"errors": [key, …]}`',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } },
    }
    const op: Record<string, unknown> = {
      tags: [r.tag],
      summary: r.summary,
      operationId: `${r.method}${r.path.replace(/[^A-Za-z0-9]+/g, '_')}`,
      parameters: [
        ...pathParams.map((name) => ({ name, in: 'path', required: true, schema: schemaOf(r.params[name] ?? { type: 'string' }) })),
        ...(inQuery ? entries.map(([name, p]) => ({ name, in: 'query', required: !!p.required, schema: schemaOf(p) })) : []),
      ],
      responses,
    }
    if (typeof r.access === 'object') op['x-ability'] = r.access.ability
    if (!inQuery) op['x-body-limit'] = r.bodyLimit
    if (!inQuery && entries.length) {
      const properties = Object.fromEntries(entries.map(([n, p]) => [n, schemaOf(p)]))
      const required = entries.filter(([, p]) => p.required).map(([n]) => n)
      const schema = { type: 'object', properties, ...(required.length ? { required } : {}) }
      const hasFiles = entries.some(([, p]) => p.type === 'files')
      op.requestBody = {
        content: hasFiles
          ? { 'multipart/form-data': { schema } }
          : { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
      }
    }
    if (r.access !== 'none') op.security = [{ session: [] }, { bearer: [] }, { apiKey: [] }]
    ;(paths[oaPath] ??= {})[r.method] = op
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: {
      schemas,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: '_barong_session' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Auth-Apikey' },
      },
    },
  }
}
