import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/app/index.js'
import { loadPolicyEngine, resolveBudget } from '../../src/policy/index.js'

const admissionFrom = (env: Record<string, string>) => loadConfig({}, { env }).admission
const budgetFrom = (env: Record<string, string>) => loadConfig({}, { env }).evaluation

describe('admission limits from the environment', () => {
  it('reads ARBITER_MAX_ARGUMENT_DEPTH and ARBITER_MAX_ARGUMENT_NODES, leaving the defaults to the guard', () => {
    expect(admissionFrom({})).toEqual({})
    expect(admissionFrom({ ARBITER_MAX_ARGUMENT_DEPTH: '64', ARBITER_MAX_ARGUMENT_NODES: '50000' })).toEqual({
      maxDepth: 64,
      maxNodes: 50_000,
    })
    expect(admissionFrom({ ARBITER_MAX_ARGUMENT_DEPTH: '' })).toEqual({})
  })

  it.each(['0', '-1', '1.5', 'deep'])('refuses %s with a one-line reason naming the variable', (value) => {
    expect(() => admissionFrom({ ARBITER_MAX_ARGUMENT_DEPTH: value })).toThrow(
      `ARBITER_MAX_ARGUMENT_DEPTH must be a positive integer, got ${JSON.stringify(value)}`,
    )
    expect(() => admissionFrom({ ARBITER_MAX_ARGUMENT_DEPTH: value })).toThrowWithCode('CONFIG_INVALID')
  })
})

describe('evaluation budget from the environment', () => {
  it('reads ARBITER_EVAL_TIMEOUT_MS, ARBITER_EVAL_WORKERS and ARBITER_EVAL_MAX_MEMORY_MB', () => {
    expect(budgetFrom({})).toEqual({})
    expect(
      budgetFrom({
        ARBITER_EVAL_TIMEOUT_MS: '500',
        ARBITER_EVAL_WORKERS: '3',
        ARBITER_EVAL_MAX_MEMORY_MB: '64',
      }),
    ).toEqual({ evaluationTimeoutMs: 500, workers: 3, maxMemoryMiB: 64 })
    expect(() => budgetFrom({ ARBITER_EVAL_WORKERS: 'many' })).toThrow(/ARBITER_EVAL_WORKERS/)
  })

  it('defaults to 250 ms, one worker per core (at least one) and 128 MiB', () => {
    const budget = resolveBudget()
    expect(budget.timeoutMs).toBe(250)
    expect(budget.workers).toBeGreaterThanOrEqual(1)
    expect(budget.maxMemoryMiB).toBe(128)
  })

  it('refuses an out-of-range option with POLICY_BUDGET_INVALID before loading anything', async () => {
    await expect(
      loadPolicyEngine({ bundlePath: 'does-not-matter.tar.gz', evaluationTimeoutMs: 0 }),
    ).rejects.toThrowWithCode('POLICY_BUDGET_INVALID')
    expect(() => resolveBudget({ busyWaitMicros: -1 })).toThrow(/busyWaitMicros/)
  })
})
