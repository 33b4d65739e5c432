import type { Kysely } from 'kysely'
import { createLedger, type LedgerDatabase, type VerifyChainOptions, verifyChain } from '../ledger/index.js'
import type { ChainVerification } from '../server/index.js'

/**
 * Adapts the ledger's verifier to what the server records per chain (entries, head, first failure).
 *
 * @example
 * const verify = verifyChainFor(db, { anchorDir: './anchors' })
 * const { ok, message } = await verify('default')
 */
export function verifyChainFor(
  db: Kysely<LedgerDatabase>,
  options: VerifyChainOptions = {},
): (chain: string) => Promise<ChainVerification> {
  // A ledger of its own, unwrapped: verification reads rows and database checkpoints directly.
  const ledger = createLedger(db)
  return async (chain) => {
    const report = await verifyChain(ledger, chain, options)
    return {
      ok: report.ok,
      entries: report.entries,
      head: report.head,
      errorCode: report.failure ? report.failure.kind : null,
      message: report.failure
        ? `${report.failure.kind} at seq ${report.failure.seq}: ${report.failure.message}`
        : `verified ${report.entries} entries and ${report.checkpoints} signed checkpoints`,
    }
  }
}
