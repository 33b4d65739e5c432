import { beforeEach, describe, expect, it } from 'vitest'
import { findUnknownOutcomes, type Guard, ToolDeniedError } from '../../src/guard/index.js'
import type { PolicyEngine } from '../../src/policy/index.js'
import { canonicalJson, sha256Hex } from '../../src/shared/index.js'
import {
  contexts,
  entriesOf,
  guardFor,
  type LedgerStore,
  loadBrokenPolicy,
  openStore,
  transferArgs,
  usePgliteGuardEnvironment,
} from '../support/guard-harness.js'

// One PGlite database and the real policy per file; a fresh chain and guard per test.
const env = usePgliteGuardEnvironment('guard-test')
let policy: PolicyEngine
let store: LedgerStore
let chain: string
let guard: Guard
beforeEach(() => {
  ;({ policy, store, chain, guard } = env)
})
const entries = () => entriesOf(store.ledger, chain)

describe('guard.wrap', () => {
  describe('when policy allows the call', () => {
    it('records the decision durably before running, then the outcome', async () => {
      const seenBeforeRun: string[] = []
      const balance = guard.wrap(
        'accounts.get_balance',
        async (args: { account_number: string }) => {
          seenBeforeRun.push(...(await entries()).map((e) => e.type))
          return { account_number: args.account_number, balance_usd: 1200 }
        },
        { context: contexts.teller },
      )
      const result = await balance({ account_number: '4401778812' })
      expect(result.balance_usd).toBe(1200)
      expect(seenBeforeRun).toEqual(['decision'])
      const [decision, outcome] = await entries()
      expect(decision?.body).toMatchObject({
        action: 'allow',
        input: { tool: { name: 'accounts.get_balance', kind: 'client' }, principal: { id: 'emp-101' } },
        bundle: { revision: policy.bundle.revision, sha256: policy.bundle.sha256 },
      })
      expect(typeof decision?.body.duration_us).toBe('number')
      expect(outcome?.type).toBe('outcome')
      expect(outcome?.body).toMatchObject({
        decision_id: decision?.body.decision_id,
        status: 'ok',
        result_sha256: sha256Hex(canonicalJson(result)),
      })
      expect(outcome?.body.result).toBeUndefined()
    })

    it('stores only redacted arguments in the ledger', async () => {
      const balance = guard.wrap('accounts.get_balance', (_args: object) => 'ok', {
        context: contexts.teller,
      })
      await balance({ account_number: '4401778812' })
      const [decision] = await entries()
      expect(decision?.body.redacted).toContain('/account_number')
      expect(JSON.stringify(decision?.body)).not.toContain('4401778812')
    })

    it('keeps the full result when recordResults is on', async () => {
      const recording = guardFor(store.ledger, policy, { chain, recordResults: true })
      const balance = recording.wrap('accounts.get_balance', (_args: object) => ({ balance_usd: 5 }), {
        context: contexts.teller,
      })
      await balance({ account_number: '1' })
      const outcome = (await entries()).find((e) => e.type === 'outcome')
      expect(outcome?.body.result).toEqual({ balance_usd: 5 })
    })

    it('records a failing tool as an error outcome and rethrows', async () => {
      const broken = guard.wrap(
        'accounts.get_balance',
        (_args: object) => {
          throw new Error('core banking offline')
        },
        { context: contexts.teller },
      )
      await expect(broken({ account_number: '1' })).rejects.toThrow('core banking offline')
      const outcome = (await entries()).find((e) => e.type === 'outcome')
      expect(outcome?.body).toMatchObject({ status: 'error', error: 'core banking offline' })
    })
  })

  describe('when policy denies the call', () => {
    it('throws TOOL_DENIED with the reasons and never runs the tool', async () => {
      let ran = false
      const transfer = guard.wrap(
        'payments.transfer',
        (_args: object) => {
          ran = true
        },
        { context: contexts.teller },
      )
      const error = await transfer(transferArgs(50_000)).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ToolDeniedError)
      expect((error as ToolDeniedError).code).toBe('TOOL_DENIED')
      expect((error as ToolDeniedError).reasons.map((r) => r.rule)).toContain('fintech.transfer_limit')
      expect(ran).toBe(false)
      const recorded = await entries()
      expect(recorded.map((e) => e.type)).toEqual(['decision'])
      expect(recorded[0]?.body.action).toBe('deny')
    })
  })

  describe('fail closed', () => {
    it('rejects a malformed call with VALIDATION_FAILED before evaluating or recording', async () => {
      let ran = false
      const call = guard.wrap(
        'accounts.get_balance',
        (_args: object) => {
          ran = true
        },
        { context: { ...contexts.teller, principal: { id: '', roles: [] } } },
      )
      await expect(call({ account_number: '1' })).rejects.toThrowWithCode('VALIDATION_FAILED')
      expect(ran).toBe(false)
      expect(await entries()).toEqual([])
    })

    it.each([
      ['JSON cannot carry (NaN)', { query: 'x', limit: Number.NaN }],
      ['the ledger cannot store (U+0000), as bad input rather than a ledger error', { query: 'a\u0000b' }],
    ])('rejects arguments %s with VALIDATION_FAILED', async (_what, args) => {
      let ran = false
      const call = guard.wrap(
        'web.search',
        (_args: object) => {
          ran = true
        },
        { context: contexts.teller },
      )
      await expect(call(args)).rejects.toThrowWithCode('VALIDATION_FAILED')
      expect(ran).toBe(false)
      expect(await entries()).toEqual([])
    })

    it('rejects oversized arguments with PAYLOAD_TOO_LARGE', async () => {
      const small = guardFor(store.ledger, policy, { chain, maxArgumentBytes: 64 })
      const call = small.wrap('web.search', (_args: object) => 'never', { context: contexts.teller })
      await expect(call({ query: 'x'.repeat(100) })).rejects.toThrowWithCode('PAYLOAD_TOO_LARGE')
    })

    it('does not run the tool when the decision cannot be recorded', async () => {
      let ran = false
      const call = guard.wrap(
        'accounts.get_balance',
        (_args: object) => {
          ran = true
        },
        { context: contexts.teller },
      )
      // A second connection to the same database, closed: every append fails.
      const closed = await openStore(env.backend)
      await closed.close()
      const failing = guardFor(closed.ledger, policy, { chain })
      const call2 = failing.wrap(
        'accounts.get_balance',
        (_args: object) => {
          ran = true
        },
        { context: contexts.teller },
      )
      await expect(call2({ account_number: '1' })).rejects.toThrowWithCode('GUARD_LEDGER_UNAVAILABLE')
      expect(ran).toBe(false)
      await expect(call({ account_number: '1' })).resolves.toBeUndefined()
      expect(ran).toBe(true)
    })

    it('does not run the tool when the policy returns a malformed decision', async () => {
      const broken = await loadBrokenPolicy()
      const failing = guardFor(store.ledger, broken, { chain })
      let ran = false
      const call = failing.wrap(
        'accounts.get_balance',
        (_args: object) => {
          ran = true
        },
        { context: contexts.teller },
      )
      const error = await call({ account_number: '1' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ToolDeniedError)
      expect((error as ToolDeniedError).reasons.map((r) => r.rule)).toEqual(['arbiter.policy_error'])
      expect(ran).toBe(false)
      const [decision] = await entries()
      expect(decision?.body).toMatchObject({ action: 'deny', bundle: { sha256: broken.bundle.sha256 } })
      await broken.close()
    })
  })
})

describe('guard.wrap with a context resolver', () => {
  it('resolves who calls per call and maps positional parameters to arguments', async () => {
    const search = guard.wrap(
      'web.search',
      (query: string, limit: number) => `${limit} results for ${query}`,
      {
        context: (query) => ({ ...contexts.teller, session: { id: `search-${query.length}` } }),
        toArguments: (query, limit) => ({ query, limit }),
      },
    )
    await expect(search('euro rate', 3)).resolves.toBe('3 results for euro rate')
    const [decision] = await entries()
    expect(decision?.body.input).toMatchObject({
      arguments: { query: 'euro rate', limit: 3 },
      session: { id: 'search-9' },
    })
  })
})

describe('outcome_unknown', () => {
  it('lists allowed decisions that have no outcome', async () => {
    const recorded = await guard.decide({
      tool: { name: 'accounts.get_balance', kind: 'client' },
      arguments: { account_number: '1' },
      ...contexts.teller,
    })
    const denied = await guard.decide({
      tool: { name: 'payments.transfer', kind: 'client' },
      arguments: transferArgs(90_000),
      ...contexts.teller,
    })
    expect(denied.decision.action).toBe('deny')
    const unknown = await findUnknownOutcomes(store.ledger, { chain })
    expect(unknown.map((u) => u.decisionId)).toEqual([recorded.decisionId])
    expect(unknown[0]).toMatchObject({ chain, tool: 'accounts.get_balance', principal: 'emp-101' })
    await guard.recordOutcome(recorded.decisionId, { status: 'ok', result: 'later' })
    expect(await findUnknownOutcomes(store.ledger, { chain })).toEqual([])
  })
})

describe('guard.check', () => {
  it('returns the verdict without running anything', async () => {
    const verdict = await guard.check({
      tool: { name: 'payments.transfer', kind: 'client' },
      arguments: transferArgs(50_000),
      ...contexts.teller,
    })
    expect(verdict.kind).toBe('deny')
    expect(verdict.recorded.seq).toBeGreaterThanOrEqual(0)
  })

  it('settles require_approval as deny when awaitApproval is false', async () => {
    const verdict = await guard.check(
      {
        tool: { name: 'payments.transfer', kind: 'client' },
        arguments: transferArgs(40_000),
        ...contexts.officer,
      },
      { awaitApproval: false },
    )
    expect(verdict.kind).toBe('deny')
    expect(verdict.recorded.decision.action).toBe('require_approval')
    expect((await entries()).map((e) => e.type)).toEqual(['decision'])
  })
})
