import { z } from 'zod'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { abilitiesOf } from './abilities.ts'

/** [2.6] GET /admin/abilities: the caller role's entry of the abilities table, or `{}`; no ability needed. */
export function registerAbilityRoutes(api: Api, deps: Pick<Deps, 'config'>) {
  api.add({
    method: 'get',
    path: '/admin/abilities',
    tag: 'admin',
    prefix: 'admin.ability',
    summary: 'What the caller’s role may read and manage',
    auth: 'user',
    response: z.object({ read: z.array(z.string()).optional(), manage: z.array(z.string()).optional() }),
    handler: (c, _p, { user }) => c.json(abilitiesOf(deps.config.abilities, user.role)),
  })
}
