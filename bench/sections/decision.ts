import { startOpaServer } from '../baselines/opa-server.js'
import type { PolicyEngine } from '../lib/guard.js'
import { benchInputs } from '../lib/inputs.js'
import type { BenchOptions } from '../lib/options.js'
import { type LatencySummary, nowUs, round, summarise } from '../lib/stats.js'

export interface DecisionResult {
  readonly inProcess: LatencySummary
  readonly opaServer: LatencySummary
  /** OPA server p50 / in-process p50. */
  readonly ratioP50: number
  readonly ratioP99: number
  readonly opaVersion: string
  /** Both engines gave the same action and rule ids for every input (same policies, same inputs). */
  readonly actionsAgree: boolean
  readonly inputs: number
}

/**
 * Item 1: in-process OPA-WASM `evaluate` (validation included) against `opa run --server` on the same
 * bundle over one kept-alive HTTP connection, same inputs round-robin, sequential, same run.
 */
export async function benchDecision(
  options: BenchOptions,
  engine: PolicyEngine,
  opaBinary: string,
  bundlePath: string,
): Promise<DecisionResult> {
  const inputs = benchInputs()
  // The engine stamps `context.time`; the server gets exactly the evaluated input.
  const evaluated = inputs.map((i) => engine.evaluate(i))
  const n = options.decisionSamples
  const warm = Math.min(5_000, n)

  for (let i = 0; i < warm; i++) engine.evaluate(inputs[i % inputs.length])
  const local = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const input = inputs[i % inputs.length]
    const t0 = nowUs()
    engine.evaluate(input)
    local[i] = nowUs() - t0
  }

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
      if (remote?.action !== e.decision.action || rules(remote.reasons) !== rules(e.decision.reasons))
        agree = false
    }
    const remoteN = Math.max(1_000, Math.floor(n / 5))
    for (let i = 0; i < Math.min(2_000, remoteN); i++)
      await server.decide(evaluated[i % evaluated.length]?.input)
    const remote = new Float64Array(remoteN)
    for (let i = 0; i < remoteN; i++) {
      const input = evaluated[i % evaluated.length]?.input
      const t0 = nowUs()
      await server.decide(input)
      remote[i] = nowUs() - t0
    }
    const inProcess = summarise(local)
    const opaServer = summarise(remote)
    return {
      inProcess,
      opaServer,
      ratioP50: round(opaServer.p50Us / inProcess.p50Us, 1),
      ratioP99: round(opaServer.p99Us / inProcess.p99Us, 1),
      opaVersion: server.version,
      actionsAgree: agree,
      inputs: inputs.length,
    }
  } finally {
    await server.stop()
  }
}
