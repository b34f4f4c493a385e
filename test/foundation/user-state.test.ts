import { describe, expect, it } from 'vitest'
import { computeLevel, computeState, nextStanding } from '../../src/accounts/user-state.ts'

const rules = {
  activation_requirements: { email: 'verified' },
  state_triggers: { banned: ['ban', 'fraud'], deleted: ['delete'], locked: ['suspicious', 'lock'] },
}
const levels = [
  { id: 1, key: 'email', value: 'verified' },
  { id: 2, key: 'phone', value: 'verified' },
  { id: 3, key: 'document', value: 'verified' },
]
const p = (key: string, value = 'verified') => ({ key, value, scope: 'private' })
const pub = (key: string, value = 'verified') => ({ key, value, scope: 'public' })

describe('state from labels', () => {
  it.each([
    [[], 'pending'],
    [[p('email')], 'active'],
    [[pub('email')], 'pending'],
    [[p('email', 'pending')], 'pending'],
    [[p('email'), p('ban', 'yes')], 'banned'],
    [[p('email'), p('ban'), p('delete', 'by_user')], 'deleted'],
    [[p('email'), p('delete'), p('lock')], 'locked'],
    [[p('email'), p('banana')], 'active'],
    [[p('email'), pub('lock')], 'active'],
  ])('%j → %s', (labels, state) => {
    expect(computeState(labels, rules)).toBe(state)
  })
})

describe('level from labels', () => {
  it.each([
    [[], 0],
    [[p('email')], 1],
    [[p('email'), p('phone')], 2],
    [[p('phone'), p('document')], 0],
    [[p('email'), p('document')], 1],
    [[p('email'), p('phone'), p('document')], 3],
    [[p('email'), pub('phone')], 1],
    [[p('email'), p('phone', 'pending')], 1],
  ])('%j → %i', (labels, level) => {
    expect(computeLevel(labels, levels)).toBe(level)
  })
})

describe('standing after a label change', () => {
  it.each([
    ['nothing changes', { state: 'active', level: 1 }, [p('email')], null],
    ['activated, level 1', { state: 'pending', level: 0 }, [p('email')], { state: 'active', level: 1, changes: { state: 'pending', level: 0 }, deactivateApiKeys: false }],
    ['level only', { state: 'active', level: 1 }, [p('email'), p('phone')], { state: 'active', level: 2, changes: { level: 1 }, deactivateApiKeys: false }],
    ['banned: keys deactivated', { state: 'active', level: 1 }, [p('email'), p('ban')], { state: 'banned', level: 1, changes: { state: 'active' }, deactivateApiKeys: true }],
    ['back to pending: keys deactivated', { state: 'active', level: 1 }, [p('email', 'rejected')], { state: 'pending', level: 0, changes: { state: 'active', level: 1 }, deactivateApiKeys: true }],
    ['a broken run drops the level', { state: 'active', level: 3 }, [p('email'), p('document')], { state: 'active', level: 1, changes: { level: 3 }, deactivateApiKeys: false }],
  ])('%s', (_name, current, labels, expected) => {
    expect(nextStanding(current, labels, levels, rules)).toEqual(expected)
  })
})
