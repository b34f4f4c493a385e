/** The media type of a Content-Type header, lower-cased without parameters: media types are case-insensitive (RFC 9110 §8.3.1). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
}
