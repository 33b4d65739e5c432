/** Latency summary in microseconds, from a sorted copy of the samples. */
export interface LatencySummary {
  readonly samples: number
  readonly p50Us: number
  readonly p99Us: number
  readonly meanUs: number
  readonly minUs: number
  readonly maxUs: number
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

/** Summarises latency samples given in microseconds. */
export function summarise(samplesUs: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samplesUs).sort()
  let sum = 0
  for (const v of sorted) sum += v
  return {
    samples: sorted.length,
    p50Us: round(percentile(sorted, 50)),
    p99Us: round(percentile(sorted, 99)),
    meanUs: round(sum / Math.max(1, sorted.length)),
    minUs: round(sorted[0] ?? Number.NaN),
    maxUs: round(sorted[sorted.length - 1] ?? Number.NaN),
  }
}

/** Rounds to two decimals for readable JSON. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** Monotonic clock in microseconds. */
export function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000
}

/** Result of a closed-loop run: `concurrency` workers each calling `op` back to back. */
export interface ThroughputResult {
  readonly concurrency: number
  readonly ops: number
  readonly errors: number
  readonly seconds: number
  readonly opsPerSec: number
  readonly latency: LatencySummary
  readonly firstError?: string
}

/**
 * Runs `op` from `concurrency` closed-loop workers for `durationMs`, after `warmupMs` of the same
 * load whose results are discarded. Counts completions inside the measured window only.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  warmupMs: number,
  op: (worker: number) => Promise<unknown>,
  maxOps = Number.POSITIVE_INFINITY,
): Promise<ThroughputResult> {
  if (warmupMs > 0) await window(concurrency, warmupMs, op, Number.POSITIVE_INFINITY)
  return window(concurrency, durationMs, op, maxOps)
}

async function window(
  concurrency: number,
  durationMs: number,
  op: (worker: number) => Promise<unknown>,
  maxOps: number,
): Promise<ThroughputResult> {
  const latencies: number[] = []
  let errors = 0
  let firstError: string | undefined
  const start = nowUs()
  const deadline = start + durationMs * 1000
  let ops = 0
  let started = 0
  const worker = async (id: number): Promise<void> => {
    while (nowUs() < deadline && started < maxOps) {
      started++
      const t0 = nowUs()
      try {
        await op(id)
        const t1 = nowUs()
        // Only completions that finish inside the window count, so throughput is not inflated
        // by work that started before the deadline and finished after it.
        if (t1 <= deadline) {
          ops++
          latencies.push(t1 - t0)
        }
      } catch (error) {
        errors++
        firstError ??= error instanceof Error ? error.message : String(error)
        // An error storm should not spin: back off briefly.
        await new Promise((r) => setTimeout(r, 5))
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)))
  // A counted run (maxOps) may end before the window does; rate it over the time it really took.
  const seconds = Math.min(durationMs * 1000, nowUs() - start) / 1e6
  return {
    concurrency,
    ops,
    errors,
    seconds,
    opsPerSec: round(ops / seconds, 1),
    latency: summarise(Float64Array.from(latencies)),
    ...(firstError === undefined ? {} : { firstError }),
  }
}
