import { Hono, type Context } from 'hono'
import type { AppEnv } from './env.ts'
import { AppError } from './errors.ts'
import { readParams, validateParams, type ParamsOf, type ParamsSpec, type ParamSpec } from './params.ts'

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

export interface ApiRoute<P extends ParamsSpec> {
  method: Method
  /** Barong path below the API base, Hono notation: `/resource/api_keys/:kid`. */
  path: string
  tag: 'public' | 'identity' | 'resource' | 'admin'
  summary: string
  /** Prefix of generated validation keys, e.g. `identity.user`. */
  prefix: string
  params?: P
  /** Success status, for the document. */
  status?: number
  /** 'user': the pipeline must have authenticated the caller (401 jwt.decode_and_verify otherwise). */
  auth?: 'none' | 'user'
  handler: (c: Context<AppEnv>, params: ParamsOf<P>) => Response | Promise<Response>
}

interface Registered {
  method: Method
  path: string
  tag: string
  summary: string
  params: ParamsSpec
  status: number
  auth: 'none' | 'user'
}

export interface Api {
  readonly base: string
  readonly app: Hono<AppEnv>
  add<P extends ParamsSpec>(route: ApiRoute<P>): void
  openapi(info: { title: string; version: string }): object
}

/** Barong's API: each route declared once, served by Hono and described in the OpenAPI document. */
export function createApi(base = '/api/v2/barong'): Api {
  const app = new Hono<AppEnv>()
  const routes: Registered[] = []
  let doc: object | undefined
  return {
    base,
    app,
    add(route) {
      const spec = (route.params ?? {}) as ParamsSpec
      const full = base + route.path
      routes.push({
        method: route.method,
        path: full,
        tag: route.tag,
        summary: route.summary,
        params: spec,
        status: route.status ?? (route.method === 'post' ? 201 : 200),
        auth: route.auth ?? 'none',
      })
      app.on(route.method.toUpperCase(), full, async (c) => {
        c.set('route', full)
        if (route.auth === 'user' && !c.var.principal) throw new AppError('jwt.decode_and_verify', 401)
        const raw = await readParams(c)
        Object.assign(raw, c.req.param())
        const result = validateParams(route.prefix, spec, raw)
        if (!result.ok) throw new AppError(result.errors, 422)
        return route.handler(c, result.value as unknown as ParamsOf<typeof route.params & ParamsSpec>)
      })
      doc = undefined
    },
    openapi(info) {
      doc ??= buildDocument(info, routes)
      return doc
    },
  }
}

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

function buildDocument(info: { title: string; version: string }, routes: Registered[]): object {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of routes) {
    const pathParams = [...r.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!)
    const oaPath = r.path.replace(/:([A-Za-z_]+)/g, '{$1}')
    const entries = Object.entries(r.params).filter(([n]) => !pathParams.includes(n))
    const inQuery = r.method === 'get' || r.method === 'delete'
    const op: Record<string, unknown> = {
      tags: [r.tag],
      summary: r.summary,
      operationId: `${r.method}${r.path.replace(/[^A-Za-z0-9]+/g, '_')}`,
      parameters: [
        ...pathParams.map((name) => ({ name, in: 'path', required: true, schema: schemaOf(r.params[name] ?? { type: 'string' }) })),
        ...(inQuery
          ? entries.map(([name, p]) => ({ name, in: 'query', required: !!p.required, schema: schemaOf(p) }))
          : []),
      ],
      responses: {
        [String(r.status)]: { description: 'Success' },
        default: {
          description: 'Error: `{"errors": [key, …]}`',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } },
        },
      },
    }
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
    if (r.auth === 'user') op.security = [{ session: [] }, { bearer: [] }, { apiKey: [] }]
    ;(paths[oaPath] ??= {})[r.method] = op
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: {
      schemas: {
        Errors: { type: 'object', properties: { errors: { type: 'array', items: { type: 'string' } } } },
      },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: '_barong_session' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Auth-Apikey' },
      },
    },
  }
}
