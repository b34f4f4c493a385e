import { describe, expect, it } from 'vitest'
import { DEFAULT_AUTHZ_RULES, matchPathRule, parseAuthzRules, type AuthzRules } from './authz-rules.ts'

const seg = (p: string) => p.split('/').filter((s) => s !== '')

describe('parseAuthzRules', () => {
  it.each([
    ['Barong YAML', 'rules:\n  pass:\n    - api/v2/barong/identity\n  block:\n    - api/v2/barong/management\n'],
    ['top-level YAML', 'pass: [api/v2/barong/identity]\nblock: [api/v2/barong/management]\n'],
    ['JSON', '{"rules":{"pass":["api/v2/barong/identity"],"block":["api/v2/barong/management"]}}'],
    ['top-level JSON', '{"pass":["api/v2/barong/identity"],"block":["api/v2/barong/management"]}'],
    ['slashes normalised', 'pass: [/api/v2/barong/identity/]\nblock: [api//v2/barong/management]\n'],
  ])('reads %s', (_name, text) => {
    expect(parseAuthzRules(text, 'rules.yml')).toEqual({
      pass: ['api/v2/barong/identity'],
      block: ['api/v2/barong/management'],
    })
  })

  it.each([
    ['only block', 'block: [api/v2/x]', { pass: [], block: ['api/v2/x'] }],
    ['empty pass list', 'rules:\n  pass:\n  block: [api/v2/x]\n', { pass: [], block: ['api/v2/x'] }],
  ])('accepts %s', (_name, text, expected) => {
    expect(parseAuthzRules(text, 'r.yml')).toEqual(expected)
  })

  it.each([
    ['unparseable YAML', 'rules: [\n'],
    ['a scalar', 'hello'],
    ['empty file', ''],
    ['a list', '- api/v2'],
    ['typo key', 'rules:\n  pass: [api/v2/a]\n  blocks: [api/v2/b]\n'],
    ['unknown top-level key', 'pass: [a]\nextra: 1\n'],
    ['keys next to rules', 'rules:\n  pass: [a]\nother: 1\n'],
    ['rules not a mapping', 'rules: [a]'],
    ['neither list', 'rules: {}'],
    ['pass as a string', 'pass: api/v2/a'],
    ['non-string entry', 'pass: [1]'],
    ['empty prefix', 'block: [""]'],
    ['slash-only prefix', 'pass: ["/"]'],
    ['dot segment', 'block: [api/v2/../x]'],
    ['encoded slash', 'block: [api%2Fv2]'],
    ['duplicate keys', 'pass: [a]\npass: [b]\n'],
  ])('refuses %s with a one-line message naming the file', (_name, text) => {
    let message = ''
    try {
      parseAuthzRules(text, '/etc/barong/rules.yml')
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toMatch(/^\/etc\/barong\/rules\.yml: invalid authz rules: /)
    expect(message).not.toContain('\n')
  })
})

describe('matchPathRule', () => {
  const custom: AuthzRules = { pass: ['api/v2/public', 'api/v2/barong/management/ping'], block: ['api/v2/barong/management'] }

  it.each([
    [DEFAULT_AUTHZ_RULES, 'api/v2/barong/identity/sessions', 'pass'],
    [DEFAULT_AUTHZ_RULES, 'api/v2/barong/identity', 'pass'],
    [DEFAULT_AUTHZ_RULES, 'api/v2/barong/public/kyc', 'pass'],
    [DEFAULT_AUTHZ_RULES, 'api/v2/peatio/public/markets', 'pass'],
    [DEFAULT_AUTHZ_RULES, 'api/v2/barong/identityX/sessions', null], // whole segments only
    [DEFAULT_AUTHZ_RULES, 'api/v2/barong/IDENTITY/sessions', null], // pass is exact
    [DEFAULT_AUTHZ_RULES, 'api/v2/barong/management/users', 'block'],
    [DEFAULT_AUTHZ_RULES, 'API/V2/BARONG/MANAGEMENT', 'block'], // block is case-insensitive
    [DEFAULT_AUTHZ_RULES, 'api/v2/Peatio/Management/deposits', 'block'],
    [DEFAULT_AUTHZ_RULES, 'api/v2/barong/managementx', null],
    [DEFAULT_AUTHZ_RULES, 'api/v2/barong/resource/users/me', null],
    [DEFAULT_AUTHZ_RULES, '', null],
    [custom, 'api/v2/barong/management/ping', 'block'], // block is checked before pass
    [custom, 'api/v2/public/x', 'pass'],
  ] as [AuthzRules, string, 'pass' | 'block' | null][])('%#: %s → %s', (rules, path, expected) => {
    expect(matchPathRule(rules, seg(path))).toBe(expected)
  })

  it('reads a mutable rules object afresh on every call', () => {
    const rules = { pass: [] as string[], block: [] as string[] }
    expect(matchPathRule(rules, seg('api/v2/x'))).toBe(null)
    rules.block.push('api/v2')
    expect(matchPathRule(rules, seg('api/v2/x'))).toBe('block')
  })

  it('answers a path seen before from memory, per rule set: reloaded rules are asked afresh', () => {
    const segments = Object.freeze(['api', 'v2', 'a', 'secret'])
    const before = parseAuthzRules('rules:\n  pass: [api/v2/a]\n', 'r.yml')
    const after = parseAuthzRules('rules:\n  pass: [api/v2/a]\n  block: [api/v2/a/secret]\n', 'r.yml')
    expect(matchPathRule(before, segments)).toBe('pass')
    expect(matchPathRule(before, segments)).toBe('pass')
    expect(matchPathRule(after, segments)).toBe('block')
    expect(matchPathRule(before, segments)).toBe('pass')
  })

  it('uses parsed rules', () => {
    const rules = parseAuthzRules('rules:\n  pass: [api/v2/a]\n  block: [api/v2/a/secret]\n', 'r.yml')
    expect(matchPathRule(rules, seg('api/v2/a/x'))).toBe('pass')
    expect(matchPathRule(rules, seg('api/v2/A/SECRET/x'))).toBe('block')
  })
})
