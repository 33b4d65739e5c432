import { createBaselineTables, createNaiveChain } from '../baselines/naive-chain.js'
import { createPlainInsert } from '../baselines/plain-insert.js'
import type { BackendName, BenchOptions } from '../lib/options.js'
import { sampleDecisionBody } from '../lib/rows.js'
import { closedLoop, round, type ThroughputResult } from '../lib/stats.js'
import type { BenchStore } from '../lib/store.js'

export interface AppendPoint {
  readonly concurrency: number
  readonly arbiter: ThroughputResult
  readonly naive: ThroughputResult
  readonly plain: ThroughputResult
  /** Arbiter / naive hash chain. */
  readonly vsNaive: number
  /** Arbiter / plain INSERT. */
  readonly vsPlain: number
}

export interface AppendResult {
  readonly backend: BackendName
  readonly points: AppendPoint[]
}

/**
 * Item 3: Arbiter's append against the naive one-transaction-per-entry chain and plain INSERTs, same
 * rows, same database, same connection pool, interleaved per concurrency level so drift hits all three.
 */
export async function benchAppend(options: BenchOptions, store: BenchStore): Promise<AppendResult> {
  await createBaselineTables(store.db)
  const naive = createNaiveChain(store.db)
  const plain = createPlainInsert(store.db)
  let i = 0
  const points: AppendPoint[] = []
  for (const c of options.concurrencies) {
    const chain = `bench-append-c${c}`
    // One sequential append first so every store's head row exists before concurrent writers arrive.
    await store.ledger.append({ chain, type: 'decision', body: sampleDecisionBody(i++) })
    await naive.append(chain)
    const arbiter = await closedLoop(c, options.windowMs, options.warmupMs, () =>
      store.ledger.append({ chain, type: 'decision', body: sampleDecisionBody(i++) }),
    )
    const naiveR = await closedLoop(c, options.windowMs, options.warmupMs, () => naive.append(chain))
    const plainR = await closedLoop(c, options.windowMs, options.warmupMs, () => plain.append(chain))
    points.push({
      concurrency: c,
      arbiter,
      naive: naiveR,
      plain: plainR,
      vsNaive: round(arbiter.opsPerSec / naiveR.opsPerSec, 1),
      vsPlain: round(arbiter.opsPerSec / plainR.opsPerSec, 2),
    })
  }
  return { backend: store.kind, points }
}
