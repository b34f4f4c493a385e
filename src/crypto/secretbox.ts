import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** AES-256-GCM for secrets at rest (TOTP seeds, API-key secrets). Format: v1.<iv>.<tag>.<ciphertext> (base64url). */
export interface SecretBox {
  seal(plain: string): string
  open(sealed: string): string
  /** A keyed digest (HMAC-SHA256, hex) for equality search over sealed values; its key is derived, not the sealing key. */
  digest(plain: string): string
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('secret key must be 32 bytes')
  const digestKey = createHmac('sha256', key).update('barong search digest v1').digest()
  return {
    digest: (plain) => createHmac('sha256', digestKey).update(plain, 'utf8').digest('hex'),
    seal(plain) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return ['v1', iv, cipher.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.')
    },
    open(sealed) {
      const [v, iv, tag, ct] = sealed.split('.')
      if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('malformed sealed secret')
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')
    },
  }
}

export function parseSecretKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64')
  if (key.length !== 32) throw new Error('BARONG_SECRET_KEY must be 32 bytes as 64 hex or base64 characters')
  return key
}

/** BARONG_SECRET_KEY, else a key kept under DATA_DIR (one instance, embedded default). */
export function loadSecretKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return parseSecretKey(configured)
  const file = join(dataDir, 'secret.key')
  if (existsSync(file)) return parseSecretKey(readFileSync(file, 'utf8').trim())
  mkdirSync(dataDir, { recursive: true })
  const key = randomBytes(32)
  writeFileSync(file, key.toString('hex'), { mode: 0o600 })
  return key
}
