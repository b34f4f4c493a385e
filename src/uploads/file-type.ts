/**
 * The type of an upload by its content (magic bytes), never by its name or the client's Content-Type: a renamed
 * text file is not a PNG. Recognised: PNG, JPEG, PDF, GIF, TIFF, WebP, BMP.
 */
const SIGNATURES: ReadonlyArray<{ ext: string; aliases: readonly string[]; test: (b: Uint8Array) => boolean }> = [
  { ext: 'png', aliases: ['png'], test: (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { ext: 'jpg', aliases: ['jpg', 'jpeg'], test: (b) => starts(b, [0xff, 0xd8, 0xff]) },
  { ext: 'pdf', aliases: ['pdf'], test: (b) => starts(b, [0x25, 0x50, 0x44, 0x46, 0x2d]) },
  { ext: 'gif', aliases: ['gif'], test: (b) => starts(b, [0x47, 0x49, 0x46, 0x38]) },
  { ext: 'tif', aliases: ['tif', 'tiff'], test: (b) => starts(b, [0x49, 0x49, 0x2a, 0x00]) || starts(b, [0x4d, 0x4d, 0x00, 0x2a]) },
  { ext: 'webp', aliases: ['webp'], test: (b) => starts(b, [0x52, 0x49, 0x46, 0x46]) && starts(b.subarray(8), [0x57, 0x45, 0x42, 0x50]) },
  { ext: 'bmp', aliases: ['bmp'], test: (b) => starts(b, [0x42, 0x4d]) },
]

function starts(b: Uint8Array, sig: readonly number[]): boolean {
  if (b.length < sig.length) return false
  for (let i = 0; i < sig.length; i++) if (b[i] !== sig[i]) return false
  return true
}

/** The extension of the name as CarrierWave reads it (lower case, after the last dot), or ''. */
export const extensionOf = (name: string) => {
  const base = name.split(/[\\/]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : ''
}

/**
 * The stored extension when the name's extension is whitelisted AND the content is of that type; else null.
 * `whitelist` holds Barong's lower-case extensions (`jpg, jpeg, png, pdf`).
 */
export function acceptedType(name: string, bytes: Uint8Array, whitelist: readonly string[]): string | null {
  const ext = extensionOf(name)
  if (!whitelist.includes(ext)) return null
  const kind = SIGNATURES.find((s) => s.test(bytes))
  return kind && kind.aliases.includes(ext) ? kind.ext : null
}

const MEDIA_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', pdf: 'application/pdf', gif: 'image/gif', tif: 'image/tiff', webp: 'image/webp', bmp: 'image/bmp' }

/** The media type a stored file is served with, from the extension its content was stored under. */
export const mediaTypeOf = (storedName: string) => MEDIA_TYPES[extensionOf(storedName)] ?? 'application/octet-stream'
