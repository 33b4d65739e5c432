import { loadavg } from 'node:os'
import { startOpaServer } from '../baselines/opa-server.js'
import { createInThreadEvaluator, type PolicyEngine } from '../lib/guard.js'
import { benchInputs } from '../lib/inputs.js'
import type { BenchOptions } from '../lib/options.js'
import { type LatencySummary, nowUs, round, summarise } from '../lib/stats.js'

export interface DecisionResult {
  /** The engine as shipped: worker pool, deadline, memory cap (`await engine.evaluate`). */
  readonly inProcess: LatencySummary
  /** Baseline: the same compiled bundle evaluated synchronously on the calling thread, no budget. */
  readonly inThread: LatencySummary
  /** In-process (budgeted) p50 / in-thread p50: what the evaluation budget costs (target ≤ 1.10). */
  readonly budgetRatioP50: number
  readonly budgetRatioP99: number
  readonly opaServer: LatencySummary
  /** OPA server p50 / in-process (budgeted) p50. */
  readonly ratioP50: number
  readonly ratioP99: number
  readonly opaVersion: string
  /** Both engines gave the same action and rule ids for every input (same policies, same inputs). */
  readonly actionsAgree: boolean
  readonly inputs: number
  /** Evaluation workers of the measured engine. */
  readonly workers: number
  /**
   * 1-minute load average before and after the in-process samples: the budgeted engine needs a free
   * core for its worker, so on an oversubscribed machine its ratio to in-thread grows.
   */
  readonly loadAverage: readonly [number, number]
}

/** Samples `run` over the inputs round-robin: warm-up first, then `n` timed calls. */
async function sample(
  inputs: readonly unknown[],
  n: number,
  run: (input: unknown) => unknown,
): Promise<Float64Array> {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const input = inputs[i % inputs.length]
    const t0 = nowUs()
    await run(input)
    out[i] = nowUs() - t0
  }
  return out
}

/**
 * Item 1: in-process decision latency of the budgeted engine (worker threads, deadline), the same
 * bundle evaluated in-thread without budget (the path before the budget existed), and
 * `opa run --server` on the same bundle over one kept-alive HTTP connection; same inputs round-robin,
 * sequential, same run. The two in-process variants are interleaved in blocks so drift on a shared
 * machine hits both alike.
 */
export async function benchDecision(
  options: BenchOptions,
  engine: PolicyEngine,
  opaBinary: string,
  bundlePath: string,
  workers: number,
): Promise<DecisionResult> {
  const inputs = benchInputs()
  const inThread = await createInThreadEvaluator(bundlePath)
  // The engine stamps `context.time`; the server gets exactly the evaluated input.
  const evaluated = await Promise.all(inputs.map((i) => engine.evaluate(i)))
  const n = options.decisionSamples
  const warm = Math.min(5_000, n)
  await sample(inputs, warm, (i) => inThread.evaluate(i))
  await sample(inputs, warm, (i) => engine.evaluate(i))
  const loadBefore = round(loadavg()[0] ?? 0, 1)
  const blocks = 10
  const perBlock = Math.ceil(n / blocks)
  const budgeted: Float64Array[] = []
  const baseline: Float64Array[] = []
  for (let b = 0; b < blocks; b++) {
    baseline.push(await sample(inputs, perBlock, (i) => inThread.evaluate(i)))
    budgeted.push(await sample(inputs, perBlock, (i) => engine.evaluate(i)))
  }
  const join = (parts: Float64Array[]) => Float64Array.from(parts.flatMap((p) => Array.from(p)))
  const loadAfter = round(loadavg()[0] ?? 0, 1)
  const inProcess = summarise(join(budgeted))
  const inThreadSummary = summarise(join(baseline))

  const server = await startOpaServer(opaBinary, bundlePath, options.policiesDir)
  try {
    let agree = true
    for (const [i, e] of evaluated.entries()) {
      const remote = (await server.decide(e.input ?? inputs[i])) as
        | { action?: string; reasons?: { rule: string }[] }
        | undefined
      // Same action and the same set of rules (the two evaluators order set members differently).
      const rules = (r: readonly { rule: string }[] | undefined) =>
        JSON.stringify((r ?? []).map((x) => x.rule).sort())
      if (remote?.action !== e.decision.action || rules(remote?.reasons) !== rules(e.decision.reasons))
        agree = false
    }
    const remoteN = Math.max(1_000, Math.floor(n / 5))
    const stamped = evaluated.map((e) => e.input)
    await sample(stamped, Math.min(2_000, remoteN), (input) => server.decide(input))
    const opaServer = summarise(await sample(stamped, remoteN, (input) => server.decide(input)))
    return {
      inProcess,
      inThread: inThreadSummary,
      budgetRatioP50: round(inProcess.p50Us / inThreadSummary.p50Us, 3),
      budgetRatioP99: round(inProcess.p99Us / inThreadSummary.p99Us, 3),
      opaServer,
      ratioP50: round(opaServer.p50Us / inProcess.p50Us, 1),
      ratioP99: round(opaServer.p99Us / inProcess.p99Us, 1),
      opaVersion: server.version,
      actionsAgree: agree,
      inputs: inputs.length,
      workers,
      loadAverage: [loadBefore, loadAfter],
    }
  } finally {
    await server.stop()
  }
}
