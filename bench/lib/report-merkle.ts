import type { MerkleResult } from '../sections/merkle.js'
import type { TargetCheck } from './report.js'

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—'

const status = (ok: boolean): TargetCheck['status'] => (ok ? 'PASS' : 'MISS')

/**
 * Issue 13: appends with the tree ≥ 90 % of the same run's appends without it at c=1, 16 and 256, and
 * inclusion and consistency proofs under 1 ms at p50 on a 1,000,000-entry chain.
 */
export function merkleTargets(results: readonly MerkleResult[] | undefined): TargetCheck[] {
  const out: TargetCheck[] = []
  for (const r of results ?? []) {
    for (const p of r.points)
      out.push({
        item: 11,
        target: `${r.backend}: append with Merkle tree ≥ 0.90× without, c=${p.concurrency}`,
        measured: `${fmt(p.withTree.opsPerSec)} / ${fmt(p.withoutTree.opsPerSec)} = ${fmt(p.ratio, 2)}×`,
        status: status(p.ratio >= 0.9),
      })
    const label = `${r.backend}: proofs on ${fmt(r.proofTreeSize)} entries`
    const full = r.proofTreeSize >= 1_000_000
    out.push({
      item: 11,
      target: `${label}: inclusion p50 < 1 ms`,
      measured: `${fmt(r.inclusionP50Us)} µs`,
      status: full ? status(r.inclusionP50Us < 1000) : 'NOT RUN',
    })
    out.push({
      item: 11,
      target: `${label}: consistency p50 < 1 ms`,
      measured: `${fmt(r.consistencyP50Us)} µs`,
      status: full ? status(r.consistencyP50Us < 1000) : 'NOT RUN',
    })
  }
  return out
}
