/**
 * `_method` parameters (Rack::MethodOverride, Symfony, Laravel): an upstream honouring one would run, say, a
 * DELETE that was authorized as a POST. They are refused (400 `authz.invalid_request`) in the query on every
 * path, and in form bodies that are forwarded or reach the built-in API. The method-override headers are
 * stripped instead (src/gateway/proxy-headers.ts).
 */

const isOverrideKey = (key: string): boolean => {
  const k = key.toLowerCase()
  return k === '_method' || k.startsWith('_method[')
}

/** True when an `application/x-www-form-urlencoded` text (a query string or a form body) names `_method`. */
export function queryOverridesMethod(query: string): boolean {
  // Cheap test first: the hot path's queries almost never spell `method`, plainly or percent-encoded.
  if (query === '' || !/method|%/i.test(query)) return false
  for (const key of new URLSearchParams(query).keys()) if (isOverrideKey(key)) return true
  return false
}

const FORM_TYPE = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i
const MULTIPART_OVERRIDE = /^content-disposition:[^\r\n]*\bname\s*=\s*"?_method(?:["[;\s]|$)/im

/** Whether a body of this type is a form that a framework would read `_method` from (media types compare case-insensitively). */
export function isFormBody(contentType: string | undefined): boolean {
  return contentType !== undefined && FORM_TYPE.test(contentType)
}

/** True when a form body names `_method` (a field of that name in a multipart body). */
export function formOverridesMethod(contentType: string, body: Uint8Array): boolean {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1')
  return /^\s*multipart\//i.test(contentType) ? MULTIPART_OVERRIDE.test(text) : queryOverridesMethod(text)
}
