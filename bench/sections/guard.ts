import type { BenchGuard } from '../lib/guard.js'
import { allowedInput } from '../lib/inputs.js'
import type { BackendName, BenchOptions } from '../lib/options.js'
import { closedLoop, type LatencySummary, type ThroughputResult } from '../lib/stats.js'

export interface GuardResult {
  readonly backend: BackendName
  /** Latency at concurrency 1 over at least `guardSamples` calls. */
  readonly latencyC1: LatencySummary
  readonly throughput: ThroughputResult[]
}

/**
 * Item 2: the full guarded path (validate, decide, durable decision entry, no-op tool, outcome entry)
 * around a tool that does nothing, so what is timed is Arbiter's overhead alone.
 */
export async function benchGuard(
  options: BenchOptions,
  guard: BenchGuard,
  backend: BackendName,
): Promise<GuardResult> {
  const input = allowedInput()
  const call = () => guard.call(input)
  // Fixed-count latency run at concurrency 1 (enough samples for a stable p99), after warm-up.
  for (let i = 0; i < Math.min(200, options.guardSamples); i++) await call()
  const latencyRun = await closedLoop(1, options.windowMs * 20, 0, call, options.guardSamples)
  const throughput: ThroughputResult[] = []
  for (const c of options.concurrencies) {
    throughput.push(await closedLoop(c, options.windowMs, options.warmupMs, call))
  }
  return { backend, latencyC1: latencyRun.latency, throughput }
}
