import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Where uploaded KYC files live. Names are generated here (random, with the extension of the detected content
 * type): a client's file name never reaches the file system.
 */
export interface FileStore {
  /** Stores the bytes; returns the generated name. */
  put(bytes: Uint8Array, ext: string): Promise<string>
  /** The bytes, or null when the file is gone (removed from disk by hand, a lost volume). */
  read(name: string): Promise<Uint8Array | null>
  remove(name: string): Promise<void>
}

const NAME = /^[0-9a-f]{32}\.[a-z0-9]{1,8}$/

/** Local disk under `dir` (BARONG_UPLOAD_DIR, default DATA_DIR/uploads), written owner-only. */
export function createLocalFileStore(dir: string): FileStore {
  const pathOf = (name: string) => {
    if (!NAME.test(name)) throw new Error(`not a stored file name: ${JSON.stringify(name)}`)
    return join(dir, name)
  }
  return {
    async put(bytes, ext) {
      if (!/^[a-z0-9]{1,8}$/.test(ext)) throw new Error(`bad extension ${JSON.stringify(ext)}`)
      await mkdir(dir, { recursive: true, mode: 0o700 })
      const name = `${randomBytes(16).toString('hex')}.${ext}`
      await writeFile(pathOf(name), bytes, { flag: 'wx', mode: 0o600 })
      return name
    },
    async read(name) {
      try {
        return await readFile(pathOf(name))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw err
      }
    },
    remove: (name) => rm(pathOf(name), { force: true }),
  }
}
