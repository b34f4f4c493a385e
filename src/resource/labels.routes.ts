import { z } from 'zod'
import { commit } from '../accounts/commit.ts'
import { presentLabel } from '../accounts/entities.ts'
import { labelSchema } from '../accounts/entity-schemas.ts'
import { labelKeyErrors, labelValueErrors, normalizeLabelField } from '../accounts/label-format.ts'
import { deleteLabel, findLabel, labelsWithKey, upsertLabel, userLabels } from '../accounts/labels.ts'
import { lockUser } from '../accounts/user-repository.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { AppError, errors } from '../http/errors.ts'
import type { Label, User } from '../storage/schema/index.ts'

export type LabelDeps = Pick<Deps, 'config' | 'db' | 'store' | 'clock' | 'relay' | 'logger' | 'authzCache'>

const PREFIX = 'resource.label'
const PRIVATE = 'resource.labels.private'

const keyParam = { key: { type: 'string', required: true, allowBlank: false, description: 'Label key' } } as const
const valueParam = { value: { type: 'string', required: true, allowBlank: false, description: 'Label value (3..255 of a-z 0-9 _ -)' } } as const

/**
 * The user's labels (docs/barong-behaviour-notes.md#s4-3-2): all of them are readable, only public ones
 * writable; writes go through the label module, and public labels never move the level or state.
 */
export function registerLabelRoutes(api: Api, deps: LabelDeps) {
  /**
   * The label a change names: the public one with the key. A private one with the key → 400: Barong
   * took whichever row came first, so a private label hid the user's public one (docs/differences-from-barong.md#d40).
   */
  const writable = async (user: User, key: string): Promise<Label> => {
    const found = await labelsWithKey(deps.db, user.id, normalizeLabelField(key))
    const pub = found.find((l) => l.scope === 'public')
    if (pub) return pub
    if (found.length) throw new AppError(PRIVATE, 400)
    throw errors.notFound()
  }

  api.add({
    method: 'get',
    path: '/resource/labels',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'All the user’s labels, public and private',
    auth: 'user',
    params: { ordering: { type: 'string', values: ['asc', 'desc'], default: 'asc', description: 'By creation time (Barong 2.6)' } },
    response: z.array(labelSchema),
    handler: async (c, p, { user }) => c.json((await userLabels(deps.db, user.id, p.ordering as 'asc' | 'desc')).map(presentLabel)),
  })

  api.add({
    method: 'get',
    path: '/resource/labels/:key',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'The user’s label with this key (any scope)',
    auth: 'user',
    params: keyParam,
    response: labelSchema,
    errors: { 404: ['record.not_found'] },
    handler: async (c, p, { user }) => {
      const [label] = await labelsWithKey(deps.db, user.id, normalizeLabelField(p.key))
      if (!label) throw errors.notFound()
      return c.json(presentLabel(label))
    },
  })

  api.add({
    method: 'post',
    path: '/resource/labels',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Create a public label (key and value lower-cased and squished)',
    auth: 'user',
    params: { ...keyParam, ...valueParam },
    response: labelSchema,
    errors: { 422: ['key.too_short', 'key.too_long', 'key.invalid', 'key.taken', 'value.too_short', 'value.too_long', 'value.invalid'] },
    handler: async (c, p, { user }) => {
      const key = normalizeLabelField(p.key)
      const value = normalizeLabelField(p.value)
      const label = await commit(deps, async (w) => {
        // Two creates of one key queue on the user's row: the second sees the first's label (key.taken).
        await lockUser(w.tx, user.id)
        const invalid = labelKeyErrors(key)
        if (await findLabel(w.tx, user.id, key, 'public')) invalid.push('key.taken')
        invalid.push(...labelValueErrors(value))
        if (invalid.length) throw new AppError(invalid, 422)
        return (await upsertLabel(w, deps.config, user, { key, value, scope: 'public' })).label
      })
      return c.json(presentLabel(label), 201)
    },
  })

  api.add({
    method: 'patch',
    path: '/resource/labels/:key',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Change the value of a public label',
    auth: 'user',
    params: { ...keyParam, ...valueParam },
    response: labelSchema,
    errors: { 400: [PRIVATE], 404: ['record.not_found'], 422: ['value.too_short', 'value.too_long', 'value.invalid'] },
    handler: async (c, p, { user }) => {
      const value = normalizeLabelField(p.value)
      const label = await writable(user, p.key)
      // Barong answered 200 with the unsaved value when the update failed (docs/differences-from-barong.md#d40).
      const invalid = labelValueErrors(value)
      if (invalid.length) throw new AppError(invalid, 422)
      const updated = await commit(deps, async (w) => (await upsertLabel(w, deps.config, user, { key: label.key, value, scope: 'public' })).label)
      return c.json(presentLabel(updated))
    },
  })

  api.add({
    method: 'delete',
    path: '/resource/labels/:key',
    tag: 'resource',
    prefix: PREFIX,
    summary: 'Delete a public label',
    auth: 'user',
    status: 204,
    params: keyParam,
    errors: { 400: [PRIVATE], 404: ['record.not_found'] },
    handler: async (c, p, { user }) => {
      const label = await writable(user, p.key)
      await commit(deps, (w) => deleteLabel(w, deps.config, user, label))
      return c.body(null, 204)
    },
  })
}
