import { z } from 'zod'
import { commit } from '../accounts/commit.ts'
import { createDataStorage, DataStorageInvalid } from '../accounts/data-storages.ts'
import type { Deps } from '../deps.ts'
import type { Api } from '../http/api.ts'
import { AppError } from '../http/errors.ts'

export type DataStorageDeps = Pick<Deps, 'config' | 'db' | 'store' | 'clock' | 'relay' | 'logger' | 'authzCache'>

/** The user's titled JSON documents (docs/barong-behaviour-notes.md#s4-3-9); titles come from barong.yml. */
export function registerDataStorageRoutes(api: Api, deps: DataStorageDeps) {
  api.add({
    method: 'post',
    path: '/resource/data_storage',
    tag: 'resource',
    prefix: 'resource.datastorage',
    summary: 'Store a JSON document under a title of barong.yml `user_storage_titles` (once per title)',
    auth: 'user',
    params: {
      title: { type: 'string', required: true, allowBlank: false, description: 'One of barong.yml user_storage_titles' },
      data: { type: 'string', required: true, allowBlank: false, description: 'JSON text, at most 5120 characters' },
    },
    response: z.literal(201),
    errors: { 422: ['data.too_long', 'data.invalid_format', 'title.taken', 'title.inclusion', 'title.exclusion'] },
    handler: async (c, p, { user }) => {
      try {
        await commit(deps, (w) => createDataStorage(w, deps.config, user, { title: p.title, data: p.data }))
      } catch (err) {
        if (err instanceof DataStorageInvalid) throw new AppError(err.keys, 422)
        throw err
      }
      return c.json(201, 201)
    },
  })
}
