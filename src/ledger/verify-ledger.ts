import { type Clock, systemClock } from '../shared/index.js'
import { anchorChains, readAnchors } from './anchor-dir.js'
import type { TrustedKey } from './checkpoint.js'
import { LedgerError } from './errors.js'
import type { VerifiableLedger } from './ledger.types.js'
import { type ChainReport, verifyEntries } from './verify.js'
import { type ClaimedRoot, MerkleVerifier, noteRoots, rootMismatch } from './verify-merkle.js'
import { splitCheckpoints } from './verify-outcome.js'
import { verifyInParallel } from './verify-parallel.js'
import { postgresChainSource } from './verify-postgres-source.js'

export interface VerifyChainOptions {
  /** Also check the checkpoints written to this directory; a chain with anchor files must exist. */
  readonly anchorDir?: string
  /**
   * Pinned keys: checkpoints must be signed by one of these (an empty list trusts none). Without
   * them each checkpoint is checked against the key it carries, which an insider can replace.
   */
  readonly trustedKeys?: readonly TrustedKey[]
  /** Chains that must exist (a pinned expectation): one with no entries is `missing_chain`. */
  readonly expectedChains?: readonly string[]
  /**
   * A chain with entries needs a signed checkpoint at most this old (ms), else `stale_checkpoint`;
   * 0 or absent: no freshness check (e.g. an archived ledger).
   */
  readonly maxCheckpointAgeMs?: number
  /** The "now" of the freshness check (default: the system clock). */
  readonly clock?: Clock
  readonly onProgress?: (entries: number) => void
  /** Re-canonicalise every body instead of hashing the stored canonical text (see `verifyEntries`). */
  readonly deep?: boolean
}

/**
 * Every chain verification covers: those the database knows (heads, checkpoints), those with anchor
 * files, and the expected ones, sorted.
 *
 * @example
 * const chains = await verifiableChains(ledger, { anchorDir: './anchors', expectedChains: ['default'] })
 */
export async function verifiableChains(
  ledger: VerifiableLedger,
  options: Pick<VerifyChainOptions, 'anchorDir' | 'expectedChains'> = {},
): Promise<string[]> {
  const anchored = options.anchorDir ? anchorChains(options.anchorDir) : []
  return [
    ...new Set([...(await ledger.knownChains()), ...anchored, ...(options.expectedChains ?? [])]),
  ].sort()
}

/**
 * Verifies one chain of a ledger: entries streamed from the database as raw rows (parsed by the
 * verifier, not trusted), checkpoints from the database and the anchor dir, checked against the pinned
 * keys, and, with `maxCheckpointAgeMs`, for freshness. Never throws for a broken chain: the report
 * says where it breaks.
 *
 * @throws {LedgerError} LEDGER_UNAVAILABLE-style database errors propagate as thrown by the driver.
 * @example
 * const report = await verifyChain(ledger, 'default', { anchorDir: './anchors', trustedKeys })
 * if (!report.ok) console.error(report.failure)
 */
export async function verifyChain(
  ledger: VerifiableLedger,
  chain: string,
  options: VerifyChainOptions = {},
): Promise<ChainReport> {
  const anchors = options.anchorDir ? readAnchors(options.anchorDir, chain) : []
  const checkpoints = [...(await ledger.checkpoints(chain)), ...anchors]
  const maxAgeMs = options.maxCheckpointAgeMs ?? 0
  const notes = noteRoots(chain, checkpoints, options.trustedKeys)
  const expected = anchors.length > 0 || (options.expectedChains ?? []).includes(chain)
  const freshness = maxAgeMs > 0 ? { now: (options.clock ?? systemClock).now(), maxAgeMs } : undefined
  const direct = options.deep ? null : await postgresChainSource(ledger, chain)
  if (direct) {
    // PostgreSQL: rows read by binary COPY on this thread, hashed on a second one (verify-parallel.ts).
    const { report, root } = await verifyInParallel(await direct.pool.connect(), direct, {
      chain,
      checkpoints: splitCheckpoints(chain, checkpoints, options.trustedKeys),
      claims: notes.roots,
      ...(expected ? { expected: true } : {}),
      ...(freshness ? { freshness } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    })
    const rootBytes = root === null ? null : Buffer.from(root, 'hex')
    return checkMerkle(
      ledger,
      report,
      (claims) => (rootBytes ? rootMismatch(claims, rootBytes) : null),
      notes.problems,
    )
  }
  const merkle = new MerkleVerifier(notes.roots)
  const report = await verifyEntries(ledger.rawRows(chain), {
    merkle,
    chain,
    checkpoints,
    expected,
    ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
    ...(freshness ? { freshness } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.deep ? { deep: true } : {}),
  })
  return checkMerkle(ledger, report, (claims) => merkle.check(claims), notes.problems)
}

/** After the entries verified: a bad signed note, then the stored tree's root at the head, must agree. */
async function checkMerkle(
  ledger: VerifiableLedger,
  report: ChainReport,
  checkRoot: (claims: readonly ClaimedRoot[]) => string | null,
  problems: readonly { seq: number; message: string }[],
): Promise<ChainReport> {
  if (!report.ok || !report.head) return report
  const problem = problems[0]
  if (problem)
    return {
      ...report,
      ok: false,
      failure: { seq: problem.seq, kind: 'bad_signature', message: problem.message },
    }
  const stored = ledger.merkleRoot ? await ledger.merkleRoot(report.chain, report.head.seq) : null
  const mismatch = stored
    ? checkRoot([{ size: report.head.seq, root: stored, what: 'the stored Merkle tree' }])
    : null
  if (!mismatch) return report
  return {
    ...report,
    ok: false,
    failure: { seq: report.head.seq, kind: 'merkle_mismatch', message: mismatch },
  }
}

/**
 * Verifies every chain (see {@link verifiableChains}), or one named chain.
 *
 * @throws {LedgerError} LEDGER_CHAIN_NOT_FOUND when `chain` is named but neither the database, the
 *   anchor directory nor the expected chains know it (a typo must not read as "ok").
 * @example
 * const reports = await verifyLedger(ledger, { anchorDir: './anchors', trustedKeys })
 * const ok = reports.every((r) => r.ok)
 */
export async function verifyLedger(
  ledger: VerifiableLedger,
  options: VerifyChainOptions & { readonly chain?: string } = {},
): Promise<ChainReport[]> {
  const known = await verifiableChains(ledger, options)
  if (options.chain !== undefined && !known.includes(options.chain))
    throw new LedgerError(
      'LEDGER_CHAIN_NOT_FOUND',
      `no chain named ${JSON.stringify(options.chain).slice(0, 140)} in the database, the anchor directory or the expected chains`,
    )
  const reports: ChainReport[] = []
  for (const chain of options.chain !== undefined ? [options.chain] : known)
    reports.push(await verifyChain(ledger, chain, options))
  return reports
}
