import { describe, expect, it } from 'vitest'
import { DEFAULT_ABILITIES, loadAbilities } from '../config/abilities.ts'
import { abilitiesOf, holds, mayGrant } from './abilities.ts'

const t = DEFAULT_ABILITIES

describe('holds', () => {
  it.each([
    ['superadmin', 'update', 'Permission', true],
    ['admin', 'update', 'Permission', false],
    ['admin', 'read', 'Permission', true],
    ['admin', 'destroy', 'Restriction', true],
    ['technical', 'read', 'User', true],
    ['technical', 'update', 'User', false],
    ['technical', 'create', 'Restriction', true],
    ['accountant', 'read', 'Activity', true],
    ['accountant', 'update', 'User', false],
    ['compliance', 'read', 'Document', true],
    ['compliance', 'read', 'Activity', false],
    ['support', 'update', 'User', true],
    ['support', 'create', 'Label', false],
    ['member', 'read', 'User', false],
    ['', 'read', 'User', false],
  ] as const)('%s %s %s → %s', (role, action, subject, expected) => {
    expect(holds(t, role, { action, subject })).toBe(expected)
  })

  it('a role in admin_permissions but not in roles holds nothing', () => {
    const odd = { roles: ['admin'], admin_permissions: { ...t.admin_permissions } }
    expect(holds(odd, 'superadmin', { action: 'read', subject: 'User' })).toBe(false)
  })
})

describe('abilitiesOf', () => {
  it("answers the role's entry as Barong 2.6 shows it, {} for others", () => {
    expect(abilitiesOf(t, 'admin')).toEqual({ read: ['Activity', 'Permission'], manage: ['Ability', 'User', 'Level', 'Label', 'Profile', 'APIKey', 'Restriction', 'Document'] })
    expect(abilitiesOf(t, 'accountant')).toEqual({ read: ['Ability', 'User', 'Level', 'Label', 'Profile', 'Activity'] })
    expect(abilitiesOf(t, 'member')).toEqual({})
  })
})

describe('mayGrant', () => {
  it.each([
    ['superadmin', 'superadmin', true],
    ['admin', 'superadmin', false],
    ['admin', 'admin', true],
    ['admin', 'support', true],
    ['support', 'admin', false],
    ['support', 'member', true],
    ['compliance', 'technical', false],
    ['technical', 'compliance', true],
  ] as const)('%s gives %s → %s', (caller, role, expected) => {
    expect(mayGrant(t, caller, role)).toBe(expected)
  })
})

describe('loadAbilities', () => {
  it('the repository file is the built-in table', () => {
    expect(loadAbilities(new URL('../../config/abilities.yml', import.meta.url).pathname)).toEqual(t)
  })
  it('a malformed file is a configuration error naming the file', () => {
    expect(() => loadAbilities('/nonexistent/abilities.yml')).toThrow(/BARONG_ABILITIES cannot read/)
  })
})
