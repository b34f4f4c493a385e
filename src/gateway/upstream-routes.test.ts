import { describe, expect, it } from 'vitest'
import { parseUpstreams } from '../config/upstreams.ts'
import { matchUpstream, routeForRawPath, upstreamPath } from './upstream-routes.ts'

describe('forwarding routes', () => {
  it('matches whole segments, longest prefix first', () => {
    const routes = parseUpstreams(JSON.stringify([{ prefix: '/a/b', target: 'http://127.0.0.1:1' }, { prefix: '/a/b/c', target: 'http://127.0.0.1:2/base/' }]), 'f.json')
    expect(matchUpstream(routes, ['a', 'b', 'c', 'd'])?.prefix).toBe('/a/b/c')
    expect(matchUpstream(routes, ['a', 'b'])?.prefix).toBe('/a/b')
    expect(matchUpstream(routes, ['a', 'bc'])).toBeNull()
    expect(routes[0]?.basePath).toBe('/base')
    // Non-canonical paths still reach the route (and the gate refuses them); absolute-form targets never do.
    expect(routeForRawPath(routes, '/a/b/../x')?.prefix).toBe('/a/b')
    expect(routeForRawPath(routes, '//a//b/')?.prefix).toBe('/a/b')
    expect(routeForRawPath(routes, 'http://evil/a/b')).toBeNull()
  })

  it('builds the upstream target from the canonical path: rewrite, base path, trailing slash, query as sent', () => {
    const [r] = parseUpstreams('[{ prefix: /api/v2/peatio, target: "http://h:1/base", rewrite: /api/v2 }]', 'f.yml')
    expect(upstreamPath(r!, 'api/v2/peatio/markets/btc,usd', '/api/v2/peatio//markets/btc,usd', 'a=%2F&b')).toBe('/base/api/v2/markets/btc,usd?a=%2F&b')
    expect(upstreamPath(r!, 'api/v2/peatio/a b', '/api/v2/peatio/a%20b/', '')).toBe('/base/api/v2/a%20b/')
    const [root] = parseUpstreams('[{ prefix: /app, target: "http://h:1", rewrite: / }]', 'f.yml')
    expect(upstreamPath(root!, 'app', '/app', '')).toBe('/')
  })
})
