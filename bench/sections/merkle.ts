import { createLedger, MerkleTreeReader } from '../../src/ledger/index.js'
import type { BackendName, BenchOptions } from '../lib/options.js'
import { sampleDecisionBody } from '../lib/rows.js'
import { closedLoop, nowUs, round, summarise, type ThroughputResult } from '../lib/stats.js'
import type { BenchStore } from '../lib/store.js'

export interface MerklePoint {
  readonly concurrency: number
  /** Appends maintaining the Merkle tree (the default store). */
  readonly withTree: ThroughputResult
  /** The same store code with `merkle: false`, same database and pool, interleaved. */
  readonly withoutTree: ThroughputResult
  /** withTree / withoutTree (target ≥ 0.90). */
  readonly ratio: number
}

export interface MerkleResult {
  readonly backend: BackendName
  readonly points: MerklePoint[]
  /** Tree size the proofs were served from (the chain the c=1 point wrote). */
  readonly proofTreeSize: number
  readonly inclusionP50Us: number
  readonly consistencyP50Us: number
}

/**
 * Issue 13 numbers: append throughput with the tree maintained vs without it (same run, same pool,
 * interleaved per concurrency level), and proof latency (p50 over random seqs / sizes) served from
 * the stored tree through `MerkleTreeReader`, as the API serves them.
 */
export async function benchMerkle(options: BenchOptions, store: BenchStore): Promise<MerkleResult> {
  const plain = createLedger(store.db, { merkle: false })
  let i = 0
  const points: MerklePoint[] = []
  try {
    for (const c of options.concurrencies) {
      const treeChain = `bench-merkle-c${c}`
      const bareChain = `bench-bare-c${c}`
      await store.ledger.append({ chain: treeChain, type: 'decision', body: sampleDecisionBody(i++) })
      await plain.append({ chain: bareChain, type: 'decision', body: sampleDecisionBody(i++) })
      const withoutTree = await closedLoop(c, options.windowMs, options.warmupMs, () =>
        plain.append({ chain: bareChain, type: 'decision', body: sampleDecisionBody(i++) }),
      )
      const withTree = await closedLoop(c, options.windowMs, options.warmupMs, () =>
        store.ledger.append({ chain: treeChain, type: 'decision', body: sampleDecisionBody(i++) }),
      )
      points.push({
        concurrency: c,
        withTree,
        withoutTree,
        ratio: round(withTree.opsPerSec / withoutTree.opsPerSec, 2),
      })
    }
  } finally {
    await plain.close()
  }
  for (const p of points) console.log('EXP', p.concurrency, Math.round(p.withTree.opsPerSec), Math.round(p.withoutTree.opsPerSec), p.ratio)
  if (process.env.EXP_ONLY) process.exit(0)
  const reader = new MerkleTreeReader(store.db)
  const chain = `bench-merkle-c${options.concurrencies[options.concurrencies.length - 1]}`
  const size = await reader.size(chain)
  const samples = options.quick ? 200 : 2000
  const inclusion = new Float64Array(samples)
  const consistency = new Float64Array(samples)
  for (let s = 0; s < samples; s += 1) {
    const seq = 1 + Math.floor(Math.random() * size)
    let t = nowUs()
    await reader.inclusion(chain, seq, size)
    inclusion[s] = nowUs() - t
    t = nowUs()
    await reader.consistency(chain, seq, size)
    consistency[s] = nowUs() - t
  }
  return {
    backend: store.kind,
    points,
    proofTreeSize: size,
    inclusionP50Us: round(summarise(inclusion.sort()).p50Us, 0),
    consistencyP50Us: round(summarise(consistency.sort()).p50Us, 0),
  }
}
