import { availableParallelism } from 'node:os'
import type { Clock, Logger } from '../shared/index.js'
import type { BundleContents } from './bundle-loader.js'
import { deny, toDecision } from './decision-result.js'
import { PolicyError } from './errors.js'
import { prepareInput } from './evaluation-input.js'
import { dataBytes } from './evaluator.js'
import { VISIBLE_ENTRYPOINT } from './manifest.js'
import {
  ARBITER_RULES,
  type BundleInfo,
  type Decision,
  type PolicyEvaluation,
  type TextFinding,
  type ToolCallInput,
} from './policy.types.js'
import { scanTexts } from './text-scanner.js'
import { decideVisibility } from './tool-visibility.js'
import { compileWasm, DEFAULT_MAX_MEMORY_MIB } from './wasm-policy.js'
import { createEvaluationPool, type PoolOutcome } from './worker-pool.js'

/** How much one evaluation may cost, and how many run at once. */
export interface EvaluationBudget {
  /** Deadline of one evaluation, ms: past it the call is denied and the worker replaced. */
  readonly timeoutMs: number
  /** Evaluation worker threads. */
  readonly workers: number
  /** Cap on each worker's WebAssembly memory, MiB. */
  readonly maxMemoryMiB: number
  /** How long the caller polls for a result before sleeping on it, µs (0: never poll). */
  readonly busyWaitMicros: number
}

/** Deadline of one evaluation unless configured (`evaluationTimeoutMs`, `ARBITER_EVAL_TIMEOUT_MS`), ms. */
export const DEFAULT_EVALUATION_TIMEOUT_MS = 250

// An idle worker polls this long for the caller's next request before it sleeps: enough for a caller
// evaluating back to back, short enough to cost little CPU when calls are sparse.
const WORKER_POLL_MICROS = 50

/**
 * Fills in the defaults of an {@link EvaluationBudget}: 250 ms, one worker per core, 128 MiB, 250 µs
 * of polling (none on a single core).
 *
 * @throws {PolicyError} POLICY_BUDGET_INVALID for a value out of range.
 * @example
 * resolveBudget({ timeoutMs: 500 }) // { timeoutMs: 500, workers: <cores>, maxMemoryMiB: 128, busyWaitMicros: 250 }
 */
export function resolveBudget(partial: Partial<EvaluationBudget> = {}): EvaluationBudget {
  const cores = Math.max(1, availableParallelism())
  const positive = (value: number | undefined, fallback: number, name: string): number => {
    if (value === undefined) return fallback
    if (!Number.isFinite(value) || value <= 0)
      throw new PolicyError('POLICY_BUDGET_INVALID', `${name} must be a positive number, got ${value}`)
    return value
  }
  const busyWait = partial.busyWaitMicros ?? (cores > 1 ? 250 : 0)
  if (!Number.isFinite(busyWait) || busyWait < 0)
    throw new PolicyError('POLICY_BUDGET_INVALID', `busyWaitMicros must be 0 or more, got ${busyWait}`)
  return {
    timeoutMs: positive(partial.timeoutMs, DEFAULT_EVALUATION_TIMEOUT_MS, 'evaluationTimeoutMs'),
    workers: Math.floor(positive(partial.workers, cores, 'workers')),
    maxMemoryMiB: positive(partial.maxMemoryMiB, DEFAULT_MAX_MEMORY_MIB, 'maxMemoryMiB'),
    busyWaitMicros: busyWait,
  }
}

/** One loaded bundle evaluated by its own worker pool; immutable (hot reload swaps whole ones). */
export interface BudgetedEvaluator {
  readonly bundle: BundleInfo
  /** Never rejects: invalid input, policy errors and timeouts are deny decisions. */
  evaluate(input: unknown): Promise<PolicyEvaluation>
  /** The bundle's `arbiter/scan` detectors over free text, on the same workers and deadline. */
  scanTexts(texts: readonly string[]): Promise<readonly TextFinding[]>
  /** The bundle's `arbiter/visible` for one tool (true when the bundle has no such rule). */
  isToolVisible(input: unknown): Promise<boolean>
  /** Lets running evaluations finish, then stops the workers. */
  close(): Promise<void>
}

/**
 * Compiles a bundle's `policy.wasm` once and starts its worker pool; resolves when every worker has
 * instantiated it (so a bundle that cannot load is refused here, before it is used).
 *
 * @throws {PolicyError} POLICY_WASM_INVALID, POLICY_UNSUPPORTED_BUILTIN as the bundle cannot be used.
 * @example
 * const evaluator = await createBudgetedEvaluator(contents, { clock, logger, budget: resolveBudget() })
 * const { decision } = await evaluator.evaluate(input)
 */
export async function createBudgetedEvaluator(
  contents: BundleContents,
  deps: { clock: Clock; logger: Logger; budget: EvaluationBudget },
): Promise<BudgetedEvaluator> {
  const { clock, logger, budget } = deps
  const module = await compileWasm(contents.wasm)
  const pool = await createEvaluationPool({
    module,
    data: dataBytes(contents),
    size: budget.workers,
    timeoutMs: budget.timeoutMs,
    queueTimeoutMs: Math.max(10_000, 10 * budget.timeoutMs),
    maxMemoryMiB: budget.maxMemoryMiB,
    // WASM memory never shrinks: a worker that grew by a quarter of its cap is replaced afterwards.
    recycleGrowthBytes: Math.max(16, budget.maxMemoryMiB / 4) * 1024 * 1024,
    spinMicros: Math.min(budget.busyWaitMicros, WORKER_POLL_MICROS),
    callerSpinMicros: budget.busyWaitMicros,
    // The JavaScript side of a worker (host builtins) gets twice the WASM allowance.
    heapMiB: Math.max(64, 2 * budget.maxMemoryMiB),
    logger,
  })
  const hasVisibleRule = contents.manifest.wasm.some((m) => m.entrypoint === VISIBLE_ENTRYPOINT)
  const bundle: BundleInfo = Object.freeze({
    revision: contents.manifest.revision,
    sha256: contents.sha256,
    loadedAt: clock.now(),
  })

  const finish = (decision: Decision, input: ToolCallInput | null, started: number): PolicyEvaluation => ({
    decision,
    input,
    bundle,
    durationUs: Math.round((performance.now() - started) * 1000),
  })

  const settle = (outcome: PoolOutcome, input: ToolCallInput, started: number): PolicyEvaluation => {
    if (outcome.kind !== 'ok') {
      const message =
        outcome.kind === 'timeout' ? outcome.message : `policy evaluation failed: ${outcome.message}`
      logger.error({ revision: bundle.revision, error: message }, 'policy evaluation failed; denying')
      return finish(deny(ARBITER_RULES.policyError, message), input, started)
    }
    const result = toDecision(outcome.resultSet)
    if (!result.ok) {
      logger.error(
        { revision: bundle.revision, error: result.why },
        'policy returned no valid decision; denying',
      )
      return finish(deny(ARBITER_RULES.policyError, result.why), input, started)
    }
    return finish(result.decision, input, started)
  }

  return {
    bundle,
    async evaluate(raw) {
      const started = performance.now()
      const prepared = prepareInput(raw, clock)
      if (!prepared.ok) return finish(deny(ARBITER_RULES.invalidInput, prepared.message), null, started)
      const pending = pool.run(prepared.json)
      // Most evaluations come back within the busy-wait: skip the extra promise when they do.
      const outcome = pending instanceof Promise ? await pending : pending
      return settle(outcome, prepared.input, started)
    },
    scanTexts: (texts) => scanTexts(texts, (input, entrypoint) => pool.run(input, entrypoint)),
    isToolVisible: async (input) =>
      // Without the rule every tool is shown: visibility is an option a bundle opts into.
      !hasVisibleRule || decideVisibility(input, clock, (json, entrypoint) => pool.run(json, entrypoint)),
    close: () => pool.close(),
  }
}
