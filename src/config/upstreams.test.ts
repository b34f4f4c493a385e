import { describe, expect, it } from 'vitest'
import { parseUpstreams } from './upstreams.ts'

describe('BARONG_UPSTREAMS file', () => {
  it.each([
    ['[{"prefix":"api","target":"http://x"}]', /\[0\]\.prefix/],
    ['[{"prefix":"/api/","target":"http://x"}]', /\[0\]\.prefix/],
    ['[{"prefix":"/api","target":"ftp://x"}]', /\[0\]\.target/],
    ['[{"prefix":"/api","target":"http://x/?q=1"}]', /\[0\]\.target/],
    ['[{"prefix":"/api","target":"http://x","rewrite":"v2"}]', /\[0\]\.rewrite/],
    ['[{"prefix":"/api","target":"http://x"}]', /would cover the gateway's own \/api\/v2\/barong/],
    ['{ prefix: [', /BARONG_UPSTREAMS: f\.yml: /],
  ])('rejects %s with one line naming the variable and file', (text, why) => {
    expect(() => parseUpstreams(text, 'f.yml')).toThrow(why)
    try {
      parseUpstreams(text, 'f.yml')
    } catch (err) {
      expect((err as Error).message).toMatch(/^BARONG_UPSTREAMS: f\.yml: [^\n]+$/)
    }
  })
})
