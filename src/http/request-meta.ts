import type { Context } from 'hono'
import type { RequestMeta } from '../accounts/activities.ts'
import type { AppEnv } from './env.ts'

/** Who made the request, as activities and sessions record it. */
export function requestMeta(c: Context<AppEnv>): RequestMeta {
  return { ip: c.var.clientIp, ua: c.req.header('user-agent') ?? null }
}
