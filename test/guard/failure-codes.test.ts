import { createServer } from 'node:net'
import { beforeEach, describe, expect, it } from 'vitest'
import { createGuard, type Guard, type GuardOptions } from '../../src/guard/index.js'
import type { PolicyEngine, PolicyEvaluation } from '../../src/policy/index.js'
import {
  contexts,
  entriesOf,
  guardFor,
  type LedgerStore,
  redactionKey,
  usePgliteGuardEnvironment,
} from '../support/guard-harness.js'

// The guard's own failure codes, each provoked through real parts: the guard fails closed (nothing runs,
// nothing half-written) and says why with a stable code.
const env = usePgliteGuardEnvironment('guard-failures')
let policy: PolicyEngine
let store: LedgerStore
let chain: string
let guard: Guard
beforeEach(() => {
  ;({ policy, store, chain, guard } = env)
})
const entries = () => entriesOf(store.ledger, chain)

/** A port nothing listens on: bound, then released, so a connection is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof address !== 'object' || address === null) throw new Error('no port')
  return address.port
}

/**
 * The guard takes any `evaluate` (GuardOptions.policy), e.g. one that asks a policy service over HTTP.
 * This one does, on a port nothing listens on: the fetch rejects as it would while the service is down.
 */
function remotePolicy(url: string): GuardOptions['policy'] {
  return {
    async evaluate(input: unknown): Promise<PolicyEvaluation> {
      const response = await fetch(url, { method: 'POST', body: JSON.stringify({ input }) })
      return (await response.json()) as PolicyEvaluation
    },
  }
}

describe('guard failure codes', () => {
  describe('when the policy cannot be evaluated (a remote policy service is down)', () => {
    it('throws GUARD_POLICY_FAILED with the cause, runs nothing and writes nothing', async () => {
      const url = `http://127.0.0.1:${await closedPort()}/v1/data/arbiter/decision`
      const remote = createGuard({ policy: remotePolicy(url), ledger: store.ledger, chain, redactionKey })
      let ran = false
      const balance = remote.wrap(
        'accounts.get_balance',
        (_args: object) => {
          ran = true
          return 'ok'
        },
        { context: contexts.teller },
      )
      const failure = await balance({ account_number: '4401778812' }).catch((error: unknown) => error)
      expect(failure).toMatchObject({ code: 'GUARD_POLICY_FAILED', name: 'GuardError' })
      expect((failure as Error).message).toMatch(/^policy evaluation failed: fetch failed/)
      expect((failure as Error).cause).toBeInstanceOf(TypeError)
      expect(ran).toBe(false)
      expect(await entries()).toEqual([])
    })
  })

  describe('when the redaction key is missing (an empty ARBITER_REDACTION_KEY)', () => {
    it('throws GUARD_REDACTION_FAILED before anything is stored, so no value leaks unredacted', async () => {
      const keyless = guardFor(store.ledger, policy, { chain, redactionKey: '' })
      let ran = false
      const balance = keyless.wrap(
        'accounts.get_balance',
        (_args: object) => {
          ran = true
          return 'ok'
        },
        { context: contexts.teller },
      )
      const failure = await balance({ account_number: '4401778812' }).catch((error: unknown) => error)
      expect(failure).toMatchObject({ code: 'GUARD_REDACTION_FAILED' })
      expect((failure as Error).message).toBe('cannot redact arguments: redaction key is empty')
      expect((failure as Error).cause).toMatchObject({ code: 'LEDGER_KEY_INVALID' })
      expect(ran).toBe(false)
      expect(await entries()).toEqual([])
    })

    it('still records a call whose policy redacts nothing (the key is needed only to redact)', async () => {
      const keyless = guardFor(store.ledger, policy, { chain, redactionKey: '' })
      const verdict = await keyless.check({
        tool: { name: 'weather.lookup', kind: 'client' },
        arguments: { city: 'Basel' },
        ...contexts.teller,
      })
      // Whatever the policy says about this call, it was decided and recorded, not refused for the key.
      expect(verdict.decisionId).toEqual(expect.any(String))
      expect((await entries()).map((e) => e.type)).toEqual(['decision'])
    })
  })

  describe('requestApproval on a decision that needs none', () => {
    it('throws GUARD_NOT_AWAITING_APPROVAL and opens no request', async () => {
      const recorded = await guard.decide({
        tool: { name: 'accounts.get_balance', kind: 'client' },
        arguments: { account_number: '4401778812' },
        ...contexts.teller,
      })
      expect(recorded.decision.action).toBe('allow')
      await expect(guard.requestApproval(recorded)).rejects.toThrowWithCode('GUARD_NOT_AWAITING_APPROVAL')
      expect((await entries()).map((e) => e.type)).toEqual(['decision'])
    })
  })
})
