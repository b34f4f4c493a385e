import { describe, expect, it } from 'vitest'
import { canonicalPathOf, canonicalizePath, MAX_PATH_LENGTH } from './canonical-path.ts'

// [input, expected canonical path]
const accepted: [string, string][] = [
  ['/api/v2/barong/identity/sessions', 'api/v2/barong/identity/sessions'],
  ['api/v2/barong/identity/sessions', 'api/v2/barong/identity/sessions'],
  ['//a///b/', 'a/b'],
  ['/a/b/', 'a/b'],
  ['/', ''],
  ['', ''],
  ['%41', 'A'],
  ['/api/%76%32/x', 'api/v2/x'],
  ['/API/V2/Barong', 'API/V2/Barong'], // case preserved: upstreams route on it
  ['/a/%C3%A9', 'a/é'],
  ['/a/%c3%a9', 'a/é'],
  ['/a/%E2%82%AC', 'a/€'],
  ['/a/%F0%9F%98%80', 'a/😀'],
  ['/a/b%20c', 'a/b c'],
  ['/a/.b', 'a/.b'], // only whole `.`/`..` segments are dot segments
  ['/a/...', 'a/...'],
  ['/a/b..', 'a/b..'],
  ['/api/v2/peatio/markets.json', 'api/v2/peatio/markets.json'], // no Rails format stripping
  ['/a/b-c_d~e', 'a/b-c_d~e'],
  ['/a/%EF%BB%BFb', 'a/\uFEFFb'], // a BOM is kept, not silently removed
]

const refused: string[] = [
  // dot segments, plain and encoded
  '/a/./b',
  '/a/../b',
  '/a/%2e%2e/b',
  '/a/%2E%2E/b',
  '/a/.%2e/b',
  '/a/%2e./b',
  '/a/%2e/b',
  '..',
  '/..',
  '/a/..',
  '/a/%2e%2e',
  // encoded slashes
  '/a/%2fb',
  '/a/%2Fb',
  '/api/v2/barong/admin%2Fusers',
  // backslashes, raw and encoded
  '/a\\b',
  '/a/%5cb',
  '/a/%5Cb',
  '/a/..\\b',
  // NUL and other controls, raw and encoded
  '/a/%00',
  '/a/\u0000',
  '/a/b\n',
  '/a/%0a',
  '/a/%0D%0A',
  '/a/%7f',
  '/a/%C2%85', // U+0085 NEL (C1 control)
  '/a/%09',
  // path parameters
  '/a;x=1/b',
  '/a/b;jsessionid=1',
  '/a/%3bx',
  // double-encoding, query and fragment smuggled in a segment
  '/a/%252e%252e/b',
  '/a/%25',
  '/a/%3fx=1',
  '/a/%23frag',
  '/a?x=1',
  '/a#x',
  // invalid percent-escapes
  '%zz',
  '/a/%',
  '/a/%4',
  '/a/%4g',
  '/a/%%41',
  // invalid UTF-8
  '%C3%28',
  '/a/%C3',
  '/a/%80',
  '/a/%C0%AE', // overlong `.`
  '/a/%C0%AF', // overlong `/`
  '/a/%ED%A0%80', // UTF-16 surrogate
  '/a/%F8%88%80%80%80',
  // raw characters a request target cannot hold
  '/a/b c',
  '/a/é',
  '/a/\u00e9',
  '/a/\u2024\u2024',
  // separators and dot segments in their NFKC form: an upstream that normalises would see another path
  '/a/%EF%BC%8F/b', // fullwidth solidus
  '/a/x%EF%BC%BCy', // fullwidth reverse solidus
  '/a/%EF%BC%8E%EF%BC%8E/b', // fullwidth `..`
  '/a/%E2%80%A5/b', // two-dot leader
  '/a/%EF%BC%9Bx', // fullwidth semicolon
]

describe('canonicalizePath', () => {
  it.each(accepted)('accepts %j as %j', (input, path) => {
    const r = canonicalizePath(input)
    expect(r).toEqual({ ok: true, path, segments: path === '' ? [] : path.split('/') })
  })

  it.each(refused.map((s) => [s]))('refuses %j', (input) => {
    expect(canonicalizePath(input)).toEqual({ ok: false })
  })

  it('decodes exactly once', () => {
    expect(canonicalizePath('/a/%2541')).toEqual({ ok: false }) // would be `%41`, then `A` upstream
  })

  it('keeps segments separate from their decoded content', () => {
    const r = canonicalizePath('/api/v2/barong/admin/users')
    expect(r.ok && r.segments).toEqual(['api', 'v2', 'barong', 'admin', 'users'])
  })

  it('caps the input length', () => {
    const ok = '/' + 'a'.repeat(MAX_PATH_LENGTH - 1)
    expect(canonicalizePath(ok).ok).toBe(true)
    expect(canonicalizePath(ok + 'a')).toEqual({ ok: false })
  })
})

describe('canonicalPathOf (the remembered form)', () => {
  it('answers as canonicalizePath, and its results cannot be changed by a caller', () => {
    for (const [input] of accepted) {
      const a = canonicalPathOf(input)
      expect(a).toEqual(canonicalizePath(input))
      expect(canonicalPathOf(input)).toBe(a)
      expect(Object.isFrozen(a)).toBe(true)
      if (a.ok) expect(() => (a.segments as string[]).push('admin')).toThrow(TypeError)
    }
    expect(canonicalPathOf('/a/%2e%2e/b')).toEqual({ ok: false })
  })
})
