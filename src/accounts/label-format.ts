/**
 * Barong's label validation (docs/barong-behaviour-notes.md#s5): key and value lower-cased and
 * whitespace-squished first, then 3..255 characters of `[a-z0-9_-]`. Pure; uniqueness is the caller's.
 */
const FORMAT = /^[a-z0-9_-]+$/

/** Ruby's `downcase.squish`. */
export const normalizeLabelField = (v: string) => v.toLowerCase().trim().replace(/\s+/g, ' ')

/** Model keys of one field, in Barong's validator order (length, then format). */
function fieldErrors(name: 'key' | 'value', v: string): string[] {
  const errs: string[] = []
  if (v.length < 3) errs.push(`${name}.too_short`)
  else if (v.length > 255) errs.push(`${name}.too_long`)
  if (!FORMAT.test(v)) errs.push(`${name}.invalid`)
  return errs
}

export const labelKeyErrors = (key: string) => fieldErrors('key', key)
export const labelValueErrors = (value: string) => fieldErrors('value', value)
