import type { Context } from 'hono'
import { commit, type CommitDeps, type MirroredTable, type Work } from '../accounts/commit.ts'
import type { Caller } from '../http/api.ts'
import type { AppEnv } from '../http/env.ts'
import { recordAdminChange } from './admin-activity.ts'

/**
 * One staff change of a rule table the gateway mirrors: the write, the version bump (this instance reloads before
 * the answer, the others within a second) and the change's record, in one transaction; Barong's `200` answer.
 */
export async function writeRules(
  deps: CommitDeps,
  c: Context<AppEnv>,
  caller: Caller,
  table: Extract<MirroredTable, 'permissions' | 'restrictions'>,
  action: 'create' | 'update' | 'delete',
  write: (w: Work) => Promise<Record<string, unknown>>,
): Promise<Response> {
  await commit(deps, async (w) => {
    const data = await write(w)
    w.tableChanged(table)
    await recordAdminChange(w, c, caller.user, { topic: table, action, data })
  })
  return c.json(200, 200)
}
