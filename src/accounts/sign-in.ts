import type { Config } from '../config/index.ts'
import type { User } from '../storage/schema/index.ts'
import type { RequestMeta } from './activities.ts'
import type { Session, SessionSettings, Sessions } from './sessions.ts'

export const sessionSettings = (config: Pick<Config, 'env'>): SessionSettings => ({
  idleMs: config.env.BARONG_SESSION_EXPIRE_TIME * 1000,
  absoluteMs: config.env.BARONG_SESSION_ABSOLUTE_TIME * 1000,
})

/**
 * A fresh session at every sign-in; the one the request carried, if any, is destroyed: no session
 * fixation. The caller hands the id to the client (the cookie) and the CSRF token in the body.
 */
export async function signIn(
  deps: { sessions: Sessions },
  user: Pick<User, 'uid'>,
  meta: RequestMeta,
  previousSessionId: string | undefined,
  nowMs: number,
): Promise<Session> {
  if (previousSessionId) {
    const old = await deps.sessions.read(previousSessionId)
    if (old) await deps.sessions.end(old)
  }
  return deps.sessions.open({ uid: user.uid, ip: meta.ip, ua: meta.ua }, nowMs)
}
