import { describe, expect, it } from 'vitest'
import { computeLevel, computeState } from '../../src/accounts/user-state.ts'

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
