import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { calculateJwkThumbprint, errors as joseErrors, exportJWK, type JWK } from 'jose'

export interface SigningKeys {
  /** Signs every JWT we mint. */
  privateKey: KeyObject
  publicKey: KeyObject
  /** RFC 7638 thumbprint of the public key. */
  kid: string
  /** kid → public key, the current key first: what we accept and publish. */
  verifiers: Map<string, KeyObject>
  jwks: { keys: JWK[] }
  /** PEM of the current public key, for downstream services configured with a PEM. */
  publicPem: string
  /** 'configured' | 'generated' | 'loaded': where the signing key came from. */
  source: 'configured' | 'generated' | 'loaded'
}

/**
 * jose's key lookup for a JWT we signed: the key its `kid` names (current or previous), the current key
 * when it names none; an unknown kid fails as a bad signature.
 */
export function verificationKeyOf(keys: Pick<SigningKeys, 'verifiers' | 'publicKey'>) {
  return (header: { kid?: string | undefined }): KeyObject => {
    const key = header.kid ? keys.verifiers.get(header.kid) : keys.publicKey
    if (!key) throw new joseErrors.JWSSignatureVerificationFailed()
    return key
  }
}

export const GENERATED_KEY_FILE = 'jwt-private.pem'

export function generatePrivateKeyPem(modulusLength = 3072): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength })
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
}

function parsePrivate(pem: string, what: string): KeyObject {
  try {
    const key = createPrivateKey(pem)
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key')
    return key
  } catch (err) {
    throw new Error(`${what} is not an RSA private key in PEM: ${(err as Error).message}`)
  }
}

function parsePublic(pem: string, what: string): KeyObject {
  try {
    const key = createPublicKey(pem)
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key')
    return key
  } catch (err) {
    throw new Error(`${what} is not an RSA key in PEM: ${(err as Error).message}`)
  }
}

export interface KeySources {
  pem?: string | undefined
  path?: string | undefined
  previous?: string | undefined
  dataDir: string
}

/**
 * The signing key comes from BARONG_JWT_PRIVATE_KEY, else BARONG_JWT_PRIVATE_KEY_PATH, else a key kept
 * under DATA_DIR (generated on first start). BARONG_JWT_PREVIOUS_KEYS lists PEM files (private or
 * public) of retired keys: still published and accepted, never used to sign, so rotation has no gap.
 */
export async function loadSigningKeys(src: KeySources): Promise<SigningKeys> {
  let privateKey: KeyObject
  let source: SigningKeys['source']
  if (src.pem) {
    privateKey = parsePrivate(src.pem.replace(/\\n/g, '\n'), 'BARONG_JWT_PRIVATE_KEY')
    source = 'configured'
  } else if (src.path) {
    if (!existsSync(src.path)) throw new Error(`BARONG_JWT_PRIVATE_KEY_PATH ${src.path} does not exist`)
    privateKey = parsePrivate(readFileSync(src.path, 'utf8'), 'BARONG_JWT_PRIVATE_KEY_PATH')
    source = 'configured'
  } else {
    const file = join(src.dataDir, GENERATED_KEY_FILE)
    if (existsSync(file)) {
      privateKey = parsePrivate(readFileSync(file, 'utf8'), file)
      source = 'loaded'
    } else {
      mkdirSync(dirname(file), { recursive: true })
      const pem = generatePrivateKeyPem()
      writeFileSync(file, pem, { mode: 0o600 })
      privateKey = parsePrivate(pem, file)
      source = 'generated'
    }
  }
  const publicKey = createPublicKey(privateKey)
  const previous = (src.previous ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      if (!existsSync(p)) throw new Error(`BARONG_JWT_PREVIOUS_KEYS: ${p} does not exist`)
      return parsePublic(readFileSync(p, 'utf8'), `BARONG_JWT_PREVIOUS_KEYS ${p}`)
    })

  const verifiers = new Map<string, KeyObject>()
  const keys: JWK[] = []
  for (const key of [publicKey, ...previous]) {
    const jwk = await exportJWK(key)
    const kid = await calculateJwkThumbprint(jwk, 'sha256')
    if (verifiers.has(kid)) continue
    verifiers.set(kid, key)
    keys.push({ ...jwk, kid, alg: 'RS256', use: 'sig' })
  }
  const kid = keys[0]!.kid!
  return {
    privateKey,
    publicKey,
    kid,
    verifiers,
    jwks: { keys },
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    source,
  }
}
