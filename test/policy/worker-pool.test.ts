// The evaluation worker pool, on real compiled bundles and real worker threads: deadlines, crashes,
// payloads larger than the shared channel, concurrency, and hot reload while evaluations are in flight.
import { copyFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { dataBytes } from '../../src/policy/evaluator.js'
import {
  createEvaluator,
  loadPolicyEngine,
  type PolicyEvaluation,
  type ReloadablePolicyEngine,
  readBundle,
} from '../../src/policy/index.js'
import { compileWasm } from '../../src/policy/wasm-policy.js'
import { createEvaluationPool, type EvaluationPool } from '../../src/policy/worker-pool.js'
import { FixedClock, silentLogger } from '../../src/shared/index.js'
import { testBundles } from '../support/bundles.js'
import { buildShipped, MARKET_OPEN, makeTempDir, removeDir, toolCall } from './helpers.js'

let dir: string
let slow: { path: string }

beforeAll(async () => {
  dir = makeTempDir('arbiter-pool-')
  slow = { path: testBundles().slow }
})
afterAll(() => removeDir(dir))

const call = (mode: string, extra: Record<string, unknown> = {}) => toolCall('any.tool', { mode, ...extra })
const ruleOf = (evaluation: PolicyEvaluation) => evaluation.decision.reasons[0]?.rule

/** Counts event-loop turns until `promise` settles: proof the loop kept running meanwhile. */
async function turnsWhile<T>(promise: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0
  let settled = false
  const tick = (): void => {
    if (settled) return
    turns += 1
    setTimeout(tick, 1)
  }
  setTimeout(tick, 1)
  const value = await promise
  settled = true
  return { value, turns }
}

describe('the evaluation budget', () => {
  let engine: ReloadablePolicyEngine
  beforeAll(async () => {
    engine = await loadPolicyEngine({ bundlePath: slow.path, workers: 1, evaluationTimeoutMs: 250 })
  })
  afterAll(() => engine.close())

  it('denies a simply slow policy at its deadline with arbiter.policy_error, the event loop turning meanwhile', async () => {
    const { value, turns } = await turnsWhile(engine.evaluate(call('spin')))
    expect(value.decision).toEqual({
      action: 'deny',
      reasons: [{ rule: 'arbiter.policy_error', message: 'policy evaluation timed out after 250 ms' }],
    })
    expect(value.input).not.toBeNull()
    expect(value.bundle.revision).toBe('slow-r1')
    expect(turns).toBeGreaterThan(0)
  })

  it('replaces the stuck worker: the next call is served (pool of one)', async () => {
    await engine.evaluate(call('spin'))
    const next = await engine.evaluate(call('fast'))
    expect(next.decision.action).toBe('allow')
    expect(ruleOf(next)).toBe('fixture.fast')
  })

  it('stops numbers.range(1, 50000000) too (deadline or memory cap, never an answer)', async () => {
    const evaluation = await engine.evaluate(call('range'))
    expect(evaluation.decision.action).toBe('deny')
    expect(ruleOf(evaluation)).toBe('arbiter.policy_error')
  })

  it('keeps serving other callers while one evaluation is stuck (pool of two)', async () => {
    const two = await loadPolicyEngine({ bundlePath: slow.path, workers: 2, evaluationTimeoutMs: 5_000 })
    try {
      const stuck = two.evaluate(call('spin'))
      const quick = await Promise.all(Array.from({ length: 20 }, () => two.evaluate(call('fast'))))
      let stuckDone = false
      void stuck.then(() => {
        stuckDone = true
      })
      expect(quick.every((e) => ruleOf(e) === 'fixture.fast')).toBe(true)
      expect(stuckDone).toBe(false)
      expect(ruleOf(await stuck)).toBe('arbiter.policy_error')
    } finally {
      await two.close()
    }
  })
})

describe('the memory cap', () => {
  it('ends a policy that allocates without bound as arbiter.policy_error, and the next call is served', async () => {
    const engine = await loadPolicyEngine({
      bundlePath: slow.path,
      workers: 1,
      evaluationTimeoutMs: 30_000,
      maxMemoryMiB: 32,
    })
    try {
      const evaluation = await engine.evaluate(call('hog'))
      expect(evaluation.decision.reasons).toEqual([
        {
          rule: 'arbiter.policy_error',
          message: expect.stringMatching(/^policy evaluation failed: .*malloc/),
        },
      ])
      expect(ruleOf(await engine.evaluate(call('fast')))).toBe('fixture.fast')
    } finally {
      await engine.close()
    }
  })
})

describe('createEvaluationPool', () => {
  let pool: EvaluationPool
  const input = (mode: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ ...call(mode, extra), context: { time: MARKET_OPEN.toISOString() } })

  beforeAll(async () => {
    const contents = await readBundle(slow.path)
    pool = await createEvaluationPool({
      module: await compileWasm(contents.wasm),
      data: dataBytes(contents),
      size: 1,
      timeoutMs: 30_000,
      queueTimeoutMs: 60_000,
      maxMemoryMiB: 128,
      recycleGrowthBytes: 64 * 1024 * 1024,
      spinMicros: 50,
      callerSpinMicros: 250,
      // A small channel, so that payloads take the MessagePort path; and a small JavaScript heap.
      regionBytes: 1024,
      heapMiB: 48,
      logger: silentLogger,
    })
  })
  afterAll(() => pool.close())

  it('carries inputs and results larger than the shared channel over the port', async () => {
    const outcome = await pool.run(input('big', { padding: 'p'.repeat(100_000) }))
    expect(outcome.kind).toBe('ok')
    if (outcome.kind !== 'ok') return
    expect(outcome.resultSet.length).toBeGreaterThan(200_000)
    const [first] = JSON.parse(outcome.resultSet) as [{ result: { reasons: { message: string }[] } }]
    expect(first.result.reasons[0]?.message).toBe('x'.repeat(200_000))
  })

  it('turns a worker that dies mid-evaluation into an error outcome, and replaces it', async () => {
    // sprintf runs in the worker's JavaScript heap (48 MiB here): two million numbers exhaust it, and
    // Node terminates the worker with ERR_WORKER_OUT_OF_MEMORY.
    const outcome = await pool.run(input('heap'))
    expect(outcome).toEqual({
      kind: 'error',
      message: expect.stringMatching(/^evaluation worker stopped: worker (crashed|exited)/),
    })
    const next = await pool.run(input('fast'))
    expect(next.kind).toBe('ok')
    await vi.waitFor(() => expect(pool.size).toBe(1), { timeout: 30_000 })
  })

  it('never sleeps through a request: thousands of back-to-back calls to a worker that sleeps', async () => {
    // The worker never polls, so it goes back to Atomics.wait after every result, while the engine
    // polls and posts the next queued request within microseconds: a wake-up lost between the worker's
    // check and its wait would leave a call hanging until its (long) deadline.
    const contents = await readBundle(slow.path)
    const sleeper = await createEvaluationPool({
      module: await compileWasm(contents.wasm),
      data: dataBytes(contents),
      size: 1,
      timeoutMs: 60_000,
      queueTimeoutMs: 120_000,
      maxMemoryMiB: 128,
      recycleGrowthBytes: 64 * 1024 * 1024,
      spinMicros: 0,
      callerSpinMicros: 1_000,
      logger: silentLogger,
    })
    try {
      for (let round = 0; round < 20; round++) {
        const outcomes = await Promise.all(Array.from({ length: 100 }, () => sleeper.run(input('fast'))))
        expect(outcomes.filter((o) => o.kind !== 'ok')).toEqual([])
      }
    } finally {
      await sleeper.close()
    }
  })

  it('queues callers beyond its workers and answers each of them', async () => {
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => pool.run(input('fast'))))
    expect(outcomes.every((o) => o.kind === 'ok' && o.resultSet.includes('fixture.fast'))).toBe(true)
  })
})

describe('engine evaluations', () => {
  it('match the in-thread evaluator under concurrency, with every evaluation on one bundle', async () => {
    const shipped = await buildShipped(join(dir, 'shipped'))
    const clock = new FixedClock(MARKET_OPEN)
    const engine = await loadPolicyEngine({
      bundlePath: shipped.path,
      clock,
      workers: 2,
      evaluationTimeoutMs: 10_000,
    })
    const inThread = await createEvaluator(await readBundle(shipped.path), { clock, logger: silentLogger })
    try {
      const calls = Array.from({ length: 200 }, (_, i) =>
        toolCall(
          'payments.transfer',
          { amount: (i % 30) * 1000, currency: 'USD', to_account: '7730019921', counterparty: 'Bob' },
          { roles: ['payments_officer'] },
        ),
      )
      const results = await Promise.all(calls.map((c) => engine.evaluate(c)))
      for (const [i, result] of results.entries())
        expect(result.decision).toEqual(inThread.evaluate(calls[i]).decision)
    } finally {
      await engine.close()
    }
  })

  it('hot reload under load: each evaluation reports the bundle whose decision it carries', async () => {
    // Two bundles that decide differently: the shipped packs (transfer of 500 allowed) and the
    // fixture that answers every call with fixture.fast. A decision thus names the bundle it came from.
    const live = join(dir, 'live', 'bundle.tar.gz')
    await buildShipped(join(dir, 'live'), 'shipped-r1')
    const engine = await loadPolicyEngine({ bundlePath: live, workers: 2, evaluationTimeoutMs: 10_000 })
    try {
      const transfer = toolCall(
        'payments.transfer',
        { amount: 500, currency: 'USD', to_account: '7730019921', counterparty: 'Bob', mode: 'fast' },
        { roles: ['payments_officer'] },
      )
      const seen: PolicyEvaluation[] = []
      const batch = async () =>
        seen.push(...(await Promise.all(Array.from({ length: 8 }, () => engine.evaluate(transfer)))))
      for (let round = 0; round < 5; round++) await batch()
      copyFileSync(slow.path, `${live}.tmp`)
      renameSync(`${live}.tmp`, live)
      let reloaded = false
      const reloading = engine.reload().then((event) => {
        reloaded = true
        return event
      })
      // Batches of concurrent evaluations all through the reload, and a few after it.
      while (!reloaded) await batch()
      for (let round = 0; round < 5; round++) await batch()
      expect(await reloading).toMatchObject({ ok: true, changed: true })
      const expected: Record<string, string> = {
        'shipped-r1': 'common.tool_allowlist',
        'slow-r1': 'fixture.fast',
      }
      for (const evaluation of seen)
        expect([evaluation.bundle.revision, evaluation.decision.reasons[0]]).toEqual([
          evaluation.bundle.revision,
          expect.objectContaining({ rule: expected[evaluation.bundle.revision] }),
        ])
      const revisions = seen.map((e) => e.bundle.revision)
      expect(revisions[0]).toBe('shipped-r1')
      expect(revisions.at(-1)).toBe('slow-r1')
    } finally {
      await engine.close()
    }
  })

  it('after close, denies with arbiter.policy_error instead of hanging', async () => {
    const engine = await loadPolicyEngine({ bundlePath: slow.path, workers: 1 })
    const inFlight = engine.evaluate(call('fast'))
    await engine.close()
    expect(ruleOf(await inFlight)).toBe('fixture.fast')
    const after = await engine.evaluate(call('fast'))
    expect(after.decision.reasons).toEqual([
      { rule: 'arbiter.policy_error', message: 'policy evaluation failed: the policy engine is closed' },
    ])
  })
})
