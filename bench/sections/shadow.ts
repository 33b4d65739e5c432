import { createGuard } from '../../src/guard/index.js'
import { loadCandidatePolicyEngine, type PolicyEngine } from '../../src/policy/index.js'
import { benchInputs } from '../lib/inputs.js'
import type { BenchOptions } from '../lib/options.js'
import { type LatencySummary, nowUs, round, summarise } from '../lib/stats.js'
import type { BenchStore } from '../lib/store.js'

export interface ShadowBenchResult {
  readonly backend: string
  /** `engine.evaluate` alone vs the live and the shadow evaluation started together (as the guard does). */
  readonly evaluation: { readonly live: LatencySummary; readonly withShadow: LatencySummary }
  readonly evaluationRatioP50: number
  readonly evaluationRatioP99: number
  /** `guard.decide` (validate, evaluate, durable decision entry) without and with a shadow bundle. */
  readonly decide: { readonly live: LatencySummary; readonly withShadow: LatencySummary }
  readonly decideRatioP50: number
  readonly decideRatioP99: number
}

async function sample(n: number, inputs: readonly unknown[], run: (input: unknown) => Promise<unknown>) {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t0 = nowUs()
    await run(inputs[i % inputs.length])
    out[i] = nowUs() - t0
  }
  return out
}

/** Runs `a` and `b` in alternating blocks (drift on a shared machine hits both alike). */
async function interleaved(
  n: number,
  inputs: readonly unknown[],
  a: (input: unknown) => Promise<unknown>,
  b: (input: unknown) => Promise<unknown>,
): Promise<[LatencySummary, LatencySummary]> {
  const blocks = 10
  const per = Math.ceil(n / blocks)
  const left: Float64Array[] = []
  const right: Float64Array[] = []
  for (let i = 0; i < blocks; i++) {
    left.push(await sample(per, inputs, a))
    right.push(await sample(per, inputs, b))
  }
  const join = (parts: Float64Array[]) => Float64Array.from(parts.flatMap((p) => Array.from(p)))
  return [summarise(join(left)), summarise(join(right))]
}

/**
 * Shadow rollout cost: what evaluating a candidate bundle next to the live one adds, measured in the
 * same run against the same guard without a shadow (the baseline). The candidate is the same bundle
 * loaded a second time (its own worker pool), so the cost is one extra evaluation, not a different policy.
 */
export async function benchShadow(
  options: BenchOptions,
  engine: PolicyEngine,
  bundlePath: string,
  store: BenchStore,
): Promise<ShadowBenchResult> {
  const shadow = await loadCandidatePolicyEngine({ bundlePath })
  try {
    const inputs = benchInputs()
    const n = options.quick ? 2_000 : 20_000
    const evalLive = (i: unknown) => engine.evaluate(i)
    const evalBoth = (i: unknown) => Promise.all([engine.evaluate(i), shadow.evaluate(i)])
    await sample(Math.min(2_000, n), inputs, evalBoth)
    const [liveEval, bothEval] = await interleaved(n, inputs, evalLive, evalBoth)

    const plain = createGuard({
      policy: engine,
      ledger: store.ledger,
      chain: 'bench-shadow-off',
      redactionKey: 'bench-redaction-key',
    })
    const shadowed = createGuard({
      policy: engine,
      shadowPolicy: shadow,
      ledger: store.ledger,
      chain: 'bench-shadow-on',
      redactionKey: 'bench-redaction-key',
    })
    const m = options.guardSamples
    await sample(Math.min(100, m), inputs, (i) => plain.decide(i))
    await sample(Math.min(100, m), inputs, (i) => shadowed.decide(i))
    const [liveDecide, bothDecide] = await interleaved(
      m,
      inputs,
      (i) => plain.decide(i),
      (i) => shadowed.decide(i),
    )
    return {
      backend: store.kind,
      evaluation: { live: liveEval, withShadow: bothEval },
      evaluationRatioP50: round(bothEval.p50Us / liveEval.p50Us, 3),
      evaluationRatioP99: round(bothEval.p99Us / liveEval.p99Us, 3),
      decide: { live: liveDecide, withShadow: bothDecide },
      decideRatioP50: round(bothDecide.p50Us / liveDecide.p50Us, 3),
      decideRatioP99: round(bothDecide.p99Us / liveDecide.p99Us, 3),
    }
  } finally {
    await shadow.close()
  }
}

/** Lines of the text report for the shadow section. */
export function renderShadow(r: ShadowBenchResult): string[] {
  const f = (v: number) => v.toFixed(1).padStart(10)
  const line = (label: string, s: LatencySummary) =>
    `   ${label.padEnd(40)}${f(s.p50Us)}${f(s.p99Us)}${String(s.samples).padStart(9)}`
  return [
    '',
    `10. Shadow rollout cost: live bundle alone vs live + shadow bundle (${r.backend} for decide)`,
    `   ${''.padEnd(40)}${'p50 µs'.padStart(10)}${'p99 µs'.padStart(10)}${'samples'.padStart(9)}`,
    line('evaluate, live only (baseline)', r.evaluation.live),
    line('evaluate, live + shadow concurrently', r.evaluation.withShadow),
    `   ${'ratio (with shadow / live)'.padEnd(40)}${`${r.evaluationRatioP50.toFixed(3)}×`.padStart(10)}${`${r.evaluationRatioP99.toFixed(3)}×`.padStart(10)}`,
    line('guard.decide, no shadow (baseline)', r.decide.live),
    line('guard.decide, with shadow bundle', r.decide.withShadow),
    `   ${'ratio (with shadow / no shadow)'.padEnd(40)}${`${r.decideRatioP50.toFixed(3)}×`.padStart(10)}${`${r.decideRatioP99.toFixed(3)}×`.padStart(10)}`,
  ]
}
