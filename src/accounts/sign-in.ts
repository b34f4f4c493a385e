import type { Store } from '../cache/store.ts'
import type { Config } from '../config/index.ts'
import type { User } from '../storage/schema/index.ts'
import type { RequestMeta } from './activities.ts'
import { destroySession, openSession, readSession, type Session, type SessionSettings } from './sessions.ts'

export const sessionSettings = (config: Pick<Config, 'env'>): SessionSettings => ({
  idleMs: config.env.BARONG_SESSION_EXPIRE_TIME * 1000,
  absoluteMs: config.env.BARONG_SESSION_ABSOLUTE_TIME * 1000,
})

/**
 * A fresh session at every sign-in; the one the request carried, if any, is destroyed: no session
 * fixation. The caller hands the id to the client (the cookie) and the CSRF token in the body.
 */
export async function signIn(
  deps: { store: Store; config: Pick<Config, 'env'> },
  user: Pick<User, 'uid'>,
  meta: RequestMeta,
  previousSessionId: string | undefined,
  nowMs: number,
): Promise<Session> {
  if (previousSessionId) {
    const old = await readSession(deps.store, previousSessionId)
    if (old) await destroySession(deps.store, old)
  }
  return openSession(deps.store, sessionSettings(deps.config), { uid: user.uid, ip: meta.ip, ua: meta.ua }, nowMs)
}
