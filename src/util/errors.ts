/**
 * The `code` of an error or of one of its causes: drivers wrap the server's error (Drizzle puts the
 * postgres-js / PGlite error in `cause`), so the SQLSTATE may sit a few levels down.
 */
export function errorCodes(err: unknown, maxDepth = 5): string[] {
  const codes: string[] = []
  for (let e: unknown = err, depth = 0; e && depth < maxDepth; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') codes.push(code)
  }
  return codes
}

/** SQLSTATE 23505: an insert or update lost a race for a unique key. */
export const isUniqueViolation = (err: unknown): boolean => errorCodes(err).includes('23505')
