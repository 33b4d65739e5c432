// The harness's door to Arbiter's guard and policy engine (front doors only).
import { createGuard, type GuardOptions } from '../../src/guard/index.js'
import { createEvaluator, type Evaluator, type PolicyEngine, readBundle } from '../../src/policy/index.js'
import { silentLogger, systemClock } from '../../src/shared/index.js'
import type { BenchStore } from './store.js'

export type { PolicyEngine }

/** The bundle evaluated synchronously on this thread, without a budget: the baseline of item 1. */
export async function createInThreadEvaluator(bundlePath: string): Promise<Evaluator> {
  return createEvaluator(await readBundle(bundlePath), { clock: systemClock, logger: silentLogger })
}

/** The guard as the benchmark drives it: one guarded call around a no-op tool. */
export interface BenchGuard {
  call(input: unknown): Promise<unknown>
}

/** A guard on `store`'s ledger with the bench's engine, writing to `chain`. */
export function createBenchGuard(
  engine: PolicyEngine,
  store: BenchStore,
  chain: string,
  tracing?: GuardOptions['tracing'],
): BenchGuard {
  const guard = createGuard({
    policy: engine,
    ledger: store.ledger,
    chain,
    redactionKey: 'bench-redaction-key',
    ...(tracing !== undefined ? { tracing } : {}),
  })
  const noop = () => undefined
  return { call: (input) => guard.execute(input, noop) }
}
