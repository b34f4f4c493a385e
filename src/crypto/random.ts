import { randomBytes } from 'node:crypto'

export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex')
export const randomToken = (bytes = 32) => randomBytes(bytes).toString('base64url')
