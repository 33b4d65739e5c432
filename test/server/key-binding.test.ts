import { describe, expect, it } from 'vitest'
import {
  assertableRoles,
  bindToolCall,
  type KeyBinding,
  resolveCallIdentity,
} from '../../src/server/index.js'

const personal: KeyBinding = {
  identity: 'fin-assistant',
  principalId: 'alice',
  roles: ['teller'],
  actFor: ['bob'],
  assertRoles: ['customer'],
  frontEnd: false,
}
const frontEnd: KeyBinding = {
  identity: 'portal',
  principalId: 'portal',
  roles: [],
  actFor: [],
  assertRoles: ['teller', 'payments_officer'],
  frontEnd: true,
}
/** What migration 0102 gives an agent key created before it. */
const upgraded: KeyBinding = {
  ...frontEnd,
  identity: 'fin-assistant',
  principalId: 'fin-assistant',
  assertRoles: [],
}

describe('assertableRoles', () => {
  it('gives the own principal its roles, act-for principals and end users the assert roles, others nothing', () => {
    expect(assertableRoles(personal, 'alice')).toEqual(['teller'])
    expect(assertableRoles(personal, 'bob')).toEqual(['customer'])
    expect(assertableRoles(personal, 'carol')).toBeNull()
    expect(assertableRoles(frontEnd, 'anyone')).toEqual(['teller', 'payments_officer'])
    expect(assertableRoles({ ...personal, actFor: ['alice'] }, 'alice')).toEqual(['teller', 'customer'])
  })
})

describe('resolveCallIdentity', () => {
  it('fills agent, principal and roles from the binding when the call names none', () => {
    expect(resolveCallIdentity(personal, {})).toEqual({
      agentId: 'fin-assistant',
      principal: { id: 'alice', roles: ['teller'] },
    })
    expect(resolveCallIdentity(personal, { principal: { id: 'bob' } })).toEqual({
      agentId: 'fin-assistant',
      principal: { id: 'bob', roles: [] },
    })
  })

  it('accepts claims within the binding (duplicates folded)', () => {
    expect(
      resolveCallIdentity(frontEnd, {
        agentId: 'portal',
        principal: { id: 'u-1', roles: ['teller', 'teller'] },
      }),
    ).toEqual({ agentId: 'portal', principal: { id: 'u-1', roles: ['teller'] } })
    expect(resolveCallIdentity(upgraded, { principal: { id: 'emp-101', roles: [] } }).principal.id).toBe(
      'emp-101',
    )
  })

  describe('when a claim lies outside the binding', () => {
    const refused = (binding: KeyBinding, claim: Parameters<typeof resolveCallIdentity>[1]) => {
      try {
        resolveCallIdentity(binding, claim)
      } catch (error) {
        expect(error).toMatchObject({ code: 'FORBIDDEN' })
        return (error as Error).message
      }
      throw new Error('not refused')
    }

    it('throws FORBIDDEN naming the agent', () => {
      expect(refused(personal, { agentId: 'care-assistant' })).toBe(
        'agent "care-assistant" refused: this key speaks as agent "fin-assistant"',
      )
    })

    it('throws FORBIDDEN naming the principal', () => {
      expect(refused(personal, { principal: { id: 'carol' } })).toBe(
        'principal "carol" refused: this key acts for "alice", "bob" only',
      )
    })

    it('throws FORBIDDEN naming the roles', () => {
      expect(refused(personal, { principal: { roles: ['teller', 'treasury_manager'] } })).toBe(
        'roles "treasury_manager" refused for principal "alice": this key may claim "teller" for it',
      )
      expect(refused(upgraded, { principal: { id: 'emp-101', roles: ['teller'] } })).toBe(
        'roles "teller" refused for principal "emp-101": this key may claim no roles for it',
      )
    })
  })
})

describe('bindToolCall', () => {
  const base = { tool: { name: 'accounts.get_balance', kind: 'client' }, arguments: {}, session: { id: 's' } }

  it('returns a full ToolCallInput, keeping what the call named within the binding', () => {
    expect(bindToolCall(personal, base)).toEqual({
      ...base,
      agent: { id: 'fin-assistant', runtime: 'http' },
      principal: { id: 'alice', roles: ['teller'] },
    })
    expect(
      bindToolCall(personal, {
        ...base,
        agent: { runtime: 'langgraph', model: 'm' },
        principal: { id: 'bob', tenant: 'acme' },
      }),
    ).toMatchObject({
      agent: { id: 'fin-assistant', runtime: 'langgraph', model: 'm' },
      principal: { id: 'bob', roles: [], tenant: 'acme' },
    })
  })

  it('throws VALIDATION_FAILED for a body or identity part of the wrong shape', () => {
    for (const body of [
      null,
      [],
      'x',
      { ...base, principal: { id: 5 } },
      { ...base, agent: { id: 'x', extra: 1 } },
    ])
      expect(() => bindToolCall(personal, body)).toThrowWithCode('VALIDATION_FAILED')
  })
})
