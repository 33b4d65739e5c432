import { anchorChains, readAnchors } from './anchor-dir.js'
import type { TrustedKey } from './checkpoint.js'
import { KyselyLedgerStore } from './kysely-store.js'
import type { Ledger } from './ledger.types.js'
import { type ChainReport, verifyEntries } from './verify.js'

export interface VerifyChainOptions {
  /** Also check the checkpoints written to this directory. */
  readonly anchorDir?: string
  /** Require checkpoints to be signed by one of these keys. */
  readonly trustedKeys?: readonly TrustedKey[]
  readonly onProgress?: (entries: number) => void
  /** Re-canonicalise every body instead of hashing the stored canonical text (see `verifyEntries`). */
  readonly deep?: boolean
}

/**
 * Verifies one chain of a ledger: entries streamed from the database as raw rows (parsed by the
 * verifier, not trusted), checkpoints from the database and the anchor dir. Never throws for a broken
 * chain: the report says where it breaks. A ledger that is not a `KyselyLedgerStore` (e.g. wrapped
 * for metrics) is verified through `entries()` without database checkpoints.
 *
 * @throws {LedgerError} LEDGER_UNAVAILABLE-style database errors propagate as thrown by the driver.
 * @example
 * const report = await verifyChain(ledger, 'default', { anchorDir: './anchors' })
 * if (!report.ok) console.error(report.failure)
 */
export async function verifyChain(
  ledger: Ledger,
  chain: string,
  options: VerifyChainOptions = {},
): Promise<ChainReport> {
  const store = ledger instanceof KyselyLedgerStore ? ledger : null
  const checkpoints = [
    ...(store ? await store.checkpointRows(chain) : []),
    ...(options.anchorDir ? readAnchors(options.anchorDir, chain) : []),
  ]
  return verifyEntries(store ? store.rows(chain) : ledger.entries(chain), {
    chain,
    checkpoints,
    ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.deep ? { deep: true } : {}),
  })
}

/**
 * Verifies every chain (or one), including chains known only from checkpoints or anchor files.
 *
 * @example
 * const reports = await verifyLedger(ledger, { anchorDir: './anchors' })
 * const ok = reports.every((r) => r.ok)
 */
export async function verifyLedger(
  ledger: Ledger,
  options: VerifyChainOptions & { readonly chain?: string } = {},
): Promise<ChainReport[]> {
  let chains: string[]
  if (options.chain) chains = [options.chain]
  else {
    const known =
      ledger instanceof KyselyLedgerStore
        ? await ledger.knownChains()
        : (await ledger.listChains()).map((head) => head.chain)
    chains = [...new Set([...known, ...(options.anchorDir ? anchorChains(options.anchorDir) : [])])].sort()
  }
  const reports: ChainReport[] = []
  for (const chain of chains) reports.push(await verifyChain(ledger, chain, options))
  return reports
}
