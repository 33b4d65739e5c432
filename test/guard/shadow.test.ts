import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEntry } from '../../src/entries/index.js'
import { ToolDeniedError } from '../../src/guard/index.js'
import {
  type BuiltBundle,
  buildBundle,
  type CandidatePolicyEngine,
  loadCandidatePolicyEngine,
  loadPolicyEngine,
  type PolicyEngine,
} from '../../src/policy/index.js'
import { fixturePolicies, makeTempDir, removeDir } from '../policy/helpers.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { buildLiveAndCandidate, CANDIDATE_TELLER_LIMIT_USD } from '../support/candidate-bundles.js'
import {
  contexts,
  entriesOf,
  guardFor,
  type LedgerStore,
  openStore,
  transferArgs,
} from '../support/guard-harness.js'

// Shadow rollout: the live bundle decides and is enforced; the candidate (the same packs with the
// teller's limit cut from 10,000 to 1,000 USD) is evaluated on the same input and recorded.
let dir: string
let live: BuiltBundle
let candidateBuilt: BuiltBundle
let slowBuilt: BuiltBundle
let policy: PolicyEngine

beforeAll(async () => {
  dir = makeTempDir('arbiter-shadow-')
  ;({ live, candidate: candidateBuilt } = await buildLiveAndCandidate(dir))
  slowBuilt = await buildBundle({
    policiesDir: fixturePolicies('slow'),
    outPath: join(dir, 'slow.tar.gz'),
    revision: 'slow-r1',
    quiet: true,
  })
  policy = await loadPolicyEngine({ bundlePath: live.path, evaluationTimeoutMs: 10_000 })
}, 180_000)
afterAll(async () => {
  await policy?.close()
  removeDir(dir)
})

const lastDecision = async (store: LedgerStore, chain: string) => {
  const decisions = (await entriesOf(store.ledger, chain)).filter((e) => e.type === 'decision')
  return readEntry(decisions.at(-1)!, 'decision').body
}

describe.each(backendFactories)('shadow rollout on %s', (name, createBackend) => {
  let backend: TestBackend
  let store: LedgerStore
  let candidate: CandidatePolicyEngine
  let n = 0
  const chain = () => `shadow-${name}-${n}`
  beforeAll(async () => {
    backend = await createBackend()
    store = await openStore(backend)
    candidate = await loadCandidatePolicyEngine({
      bundlePath: candidateBuilt.path,
      evaluationTimeoutMs: 10_000,
    })
  })
  afterAll(async () => {
    await candidate?.close()
    await store?.close()
    await backend?.dispose()
  })

  describe('when the candidate tightens the teller limit', () => {
    it('runs what the live bundle allows and records the candidate disagreeing', async () => {
      n++
      const guard = guardFor(store.ledger, policy, { chain: chain(), shadowPolicy: candidate })
      let ran = 0
      const transfer = guard.wrap('payments.transfer', (_args: object) => ++ran, { context: contexts.teller })
      await transfer(transferArgs(CANDIDATE_TELLER_LIMIT_USD * 5))
      expect(ran).toBe(1)
      const body = await lastDecision(store, chain())
      expect(body.action).toBe('allow')
      expect(body.bundle).toEqual({ revision: 'live-r1', sha256: live.sha256 })
      expect(body.shadow).toEqual({
        bundle: { revision: 'candidate-r2', sha256: candidateBuilt.sha256 },
        action: 'deny',
        rules: ['fintech.transfer_limit'],
        agrees: false,
        duration_us: expect.any(Number),
      })
    })

    it('records agreement where both bundles decide the same', async () => {
      n++
      const guard = guardFor(store.ledger, policy, { chain: chain(), shadowPolicy: candidate })
      await guard.wrap('payments.transfer', (_args: object) => 1, { context: contexts.teller })(
        transferArgs(500),
      )
      const small = await lastDecision(store, chain())
      expect(small.action).toBe('allow')
      expect(small.shadow).toMatchObject({ action: 'allow', agrees: true })
      expect(small.shadow?.rules).toEqual([...new Set(small.reasons.map((r) => r.rule))].sort())
      const over = guard.wrap('payments.transfer', (_args: object) => 1, { context: contexts.teller })
      await expect(over(transferArgs(50_000))).rejects.toBeInstanceOf(ToolDeniedError)
      const denied = await lastDecision(store, chain())
      expect(denied.action).toBe('deny')
      expect(denied.shadow).toMatchObject({ action: 'deny', agrees: true })
      expect(denied.shadow?.rules).toEqual([...new Set(denied.reasons.map((r) => r.rule))].sort())
    })

    it('writes no shadow member without a shadow policy', async () => {
      n++
      const guard = guardFor(store.ledger, policy, { chain: chain() })
      await guard.wrap('payments.transfer', (_args: object) => 1, { context: contexts.teller })(
        transferArgs(5000),
      )
      expect((await lastDecision(store, chain())).shadow).toBeUndefined()
    })
  })

  describe('when the candidate is broken', () => {
    it('records a candidate that failed to load while the live bundle keeps serving', async () => {
      n++
      const missing = join(dir, `not-yet-${name}-${n}.tar.gz`)
      const absent = await loadCandidatePolicyEngine({ bundlePath: missing, evaluationTimeoutMs: 10_000 })
      try {
        expect(absent.bundle).toBeNull()
        expect(absent.loadError?.code).toBe('POLICY_BUNDLE_UNREADABLE')
        const guard = guardFor(store.ledger, policy, { chain: chain(), shadowPolicy: absent })
        let ran = 0
        await guard.wrap('payments.transfer', (_args: object) => ++ran, { context: contexts.teller })(
          transferArgs(5000),
        )
        expect(ran).toBe(1)
        const body = await lastDecision(store, chain())
        expect(body.action).toBe('allow')
        expect(body.shadow?.error).toMatch(/cannot read|no such file|ENOENT/i)
        expect(body.shadow?.bundle).toBeUndefined()
        expect(body.shadow?.action).toBeUndefined()

        // Hot reload: a valid file appears at the path and the next decision is shadowed by it.
        copyFileSync(candidateBuilt.path, missing)
        await absent.reload()
        expect(absent.bundle?.sha256).toBe(candidateBuilt.sha256)
        await guard.wrap('payments.transfer', (_args: object) => ++ran, { context: contexts.teller })(
          transferArgs(5000),
        )
        expect(ran).toBe(2)
        expect((await lastDecision(store, chain())).shadow).toMatchObject({ action: 'deny', agrees: false })
      } finally {
        await absent.close()
      }
    })

    it('records a candidate that fails or overruns its deadline at evaluation', async () => {
      n++
      // The slow fixture has no decision for a transfer (fails) and spins on mode "spin" (deadline).
      const slow = await loadCandidatePolicyEngine({ bundlePath: slowBuilt.path, evaluationTimeoutMs: 150 })
      try {
        const guard = guardFor(store.ledger, policy, { chain: chain(), shadowPolicy: slow })
        let ran = 0
        const transfer = guard.wrap('payments.transfer', (_args: object) => ++ran, {
          context: contexts.teller,
        })
        await transfer(transferArgs(200))
        const failed = await lastDecision(store, chain())
        expect(failed.action).toBe('allow')
        expect(failed.shadow).toMatchObject({ bundle: { revision: 'slow-r1' }, error: expect.any(String) })
        expect(failed.shadow?.agrees).toBeUndefined()

        await transfer({ ...transferArgs(300), mode: 'spin' })
        const overran = await lastDecision(store, chain())
        expect(overran.action).toBe('allow')
        expect(overran.shadow?.error).toMatch(/deadline|timed out|150 ms/i)
        expect(ran).toBe(2)
      } finally {
        await slow.close()
      }
    })

    it('records a candidate that never answers and decides without it', async () => {
      n++
      const hung = { bundle: null, evaluate: () => new Promise<never>(() => undefined) }
      const guard = guardFor(store.ledger, policy, { chain: chain(), shadowPolicy: hung })
      let ran = 0
      await guard.wrap('payments.transfer', (_args: object) => ++ran, { context: contexts.teller })(
        transferArgs(100),
      )
      expect(ran).toBe(1)
      expect((await lastDecision(store, chain())).shadow).toEqual({
        error: 'shadow evaluation did not finish within 2000 ms',
      })
    })

    it('keeps the redacted values of the call out of a recorded shadow error', async () => {
      n++
      const throwing = {
        bundle: null,
        evaluate: () => Promise.reject(new Error('candidate choked on 4401778812')),
      }
      const guard = guardFor(store.ledger, policy, { chain: chain(), shadowPolicy: throwing })
      await guard.wrap('payments.transfer', (_args: object) => 1, { context: contexts.teller })(
        transferArgs(100),
      )
      const body = await lastDecision(store, chain())
      expect(body.shadow?.error).toContain('candidate choked on')
      expect(JSON.stringify(body)).not.toContain('4401778812')
    })
  })
})
