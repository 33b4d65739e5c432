import { createLedger, MerkleTreeReader } from '../../src/ledger/index.js'
import { generateChain, settleFixture } from '../lib/generate-chain.js'
import type { BackendName, BenchOptions } from '../lib/options.js'
import { sampleDecisionBody } from '../lib/rows.js'
import { closedLoop, nowUs, round, summarise, type ThroughputResult } from '../lib/stats.js'
import type { BenchStore } from '../lib/store.js'

export interface MerklePoint {
  readonly concurrency: number
  /** Appends maintaining the Merkle tree (the default store), summed over the interleaved blocks. */
  readonly withTree: ThroughputResult
  /** The same store code with `merkle: false`, same database and pool, interleaved block by block. */
  readonly withoutTree: ThroughputResult
  /** withTree / withoutTree (target ≥ 0.90). */
  readonly ratio: number
}

export interface MerkleResult {
  readonly backend: BackendName
  readonly points: MerklePoint[]
  /** Entries of the generated chain (with its stored tree) the proofs were served from. */
  readonly proofTreeSize: number
  readonly generateSeconds: number
  readonly samples: number
  /** Inclusion proof of a random entry against a given tree size (one database round trip). */
  readonly inclusionP50Us: number
  readonly inclusionP99Us: number
  /** Consistency proof from a random size to the full tree. */
  readonly consistencyP50Us: number
  readonly consistencyP99Us: number
  /** Inclusion proof without a size (the chain's size is read first: two round trips). */
  readonly inclusionHeadP50Us: number
}

/** Alternating blocks per point: drift on a shared machine hits both sides alike. */
const BLOCKS = 4

/**
 * Issue 13 numbers. Appends: the default store (tree maintained) against `merkle: false` on the same
 * database and pool, per concurrency level, in {@link BLOCKS} alternating blocks each. Proofs: a chain
 * of `proofEntries` entries and its stored tree is generated, then inclusion and consistency proofs of
 * random seqs/sizes are served through `MerkleTreeReader` as the API serves them (each proof is
 * verified by the reader before it returns).
 */
export async function benchMerkle(options: BenchOptions, store: BenchStore): Promise<MerkleResult> {
  const plain = createLedger(store.db, { merkle: false })
  let i = 0
  const points: MerklePoint[] = []
  try {
    for (const c of options.concurrencies) {
      const treeChain = `bench-merkle-c${c}`
      const bareChain = `bench-bare-c${c}`
      const sides = {
        without: () => plain.append({ chain: bareChain, type: 'decision', body: sampleDecisionBody(i++) }),
        with: () =>
          store.ledger.append({ chain: treeChain, type: 'decision', body: sampleDecisionBody(i++) }),
      }
      await sides.with()
      await sides.without()
      const runs: Record<keyof typeof sides, ThroughputResult[]> = { with: [], without: [] }
      for (let b = 0; b < BLOCKS; b += 1)
        for (const side of b % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const))
          runs[side].push(
            await closedLoop(c, options.windowMs / BLOCKS, b === 0 ? options.warmupMs : 0, sides[side]),
          )
      const withTree = combine(runs.with)
      const withoutTree = combine(runs.without)
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
  return { backend: store.kind, points, ...(await benchProofs(options, store)) }
}

async function benchProofs(options: BenchOptions, store: BenchStore) {
  const size = store.kind === 'postgres' ? options.proofEntries : options.proofEntriesPglite
  const chain = 'bench-proofs'
  const t0 = nowUs()
  await generateChain(store.db, chain, size, { tree: true })
  const generateSeconds = round((nowUs() - t0) / 1e6, 1)
  await settleFixture(store.db, store.kind)
  const reader = new MerkleTreeReader(store.db)
  const samples = options.quick ? 300 : 3000
  const inclusion = new Float64Array(samples)
  const consistency = new Float64Array(samples)
  const inclusionHead = new Float64Array(samples)
  const random = () => 1 + Math.floor(Math.random() * size)
  for (let w = 0; w < 200; w += 1) await reader.inclusion(chain, random(), size) // warm the connections
  for (let s = 0; s < samples; s += 1) {
    let t = nowUs()
    await reader.inclusion(chain, random(), size)
    inclusion[s] = nowUs() - t
    t = nowUs()
    await reader.consistency(chain, random(), size)
    consistency[s] = nowUs() - t
    t = nowUs()
    await reader.inclusion(chain, random())
    inclusionHead[s] = nowUs() - t
  }
  const inc = summarise(inclusion.sort())
  const con = summarise(consistency.sort())
  return {
    proofTreeSize: size,
    generateSeconds,
    samples,
    inclusionP50Us: round(inc.p50Us, 0),
    inclusionP99Us: round(inc.p99Us, 0),
    consistencyP50Us: round(con.p50Us, 0),
    consistencyP99Us: round(con.p99Us, 0),
    inclusionHeadP50Us: round(summarise(inclusionHead.sort()).p50Us, 0),
  }
}

/** Sums closed-loop blocks: ops and seconds add up; latency is the slowest block's (conservative). */
function combine(blocks: readonly ThroughputResult[]): ThroughputResult {
  const ops = blocks.reduce((n, b) => n + b.ops, 0)
  const seconds = blocks.reduce((n, b) => n + b.seconds, 0)
  const slowest = blocks.reduce((a, b) => (b.latency.p50Us > a.latency.p50Us ? b : a))
  return {
    concurrency: slowest.concurrency,
    ops,
    errors: blocks.reduce((n, b) => n + b.errors, 0),
    seconds,
    opsPerSec: ops / seconds,
    latency: slowest.latency,
    ...(blocks.find((b) => b.firstError)?.firstError
      ? { firstError: blocks.find((b) => b.firstError)!.firstError }
      : {}),
  }
}
