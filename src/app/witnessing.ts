import type { Kysely } from 'kysely'
import {
  type LedgerDatabase,
  MerkleTreeReader,
  type StoredCheckpoint,
  type WitnessRef,
  WitnessSubmitter,
} from '../ledger/index.js'
import type { Logger } from '../shared/index.js'

/** Submits the log's checkpoints to witnesses in the background (see {@link createWitnessing}). */
export interface Witnessing {
  /** The checkpointer's `onSigned`: queues the checkpoint for every witness. */
  onSigned(checkpoint: StoredCheckpoint): void
  /** Waits for every submission in flight (called on close, after the final checkpoints). */
  flush(): Promise<void>
}

/**
 * Wires the witness submitter to the checkpointer: every signed checkpoint's C2SP note is submitted
 * to every witness with a consistency proof read from the stored Merkle tree (migration 0103);
 * cosignatures land in `ledger_cosignatures`. Nothing here is on the decision path, and a failure is
 * only logged.
 *
 * @example
 * const witnessing = createWitnessing(db, { witnesses: config.witnesses, logger })
 * createCheckpointer(db, config, { logger, signingKey, onSigned: witnessing.onSigned })
 */
export function createWitnessing(
  db: Kysely<LedgerDatabase>,
  options: { readonly witnesses: readonly WitnessRef[]; readonly logger: Logger },
): Witnessing {
  const tree = new MerkleTreeReader(db)
  const submitter = new WitnessSubmitter(db, {
    witnesses: options.witnesses.flatMap((w) => (w.url ? [{ url: w.url, key: w.key }] : [])),
    prove: async (chain, from, to) =>
      (await tree.consistency(chain, from, to)).proof.map((h) => Buffer.from(h, 'hex')),
    logger: options.logger,
  })
  const inFlight = new Set<Promise<void>>()
  return {
    onSigned(cp) {
      if (options.witnesses.length === 0) return
      if (!cp.note) {
        options.logger.warn({ chain: cp.chain }, 'checkpoint has no signed note; not sent to witnesses')
        return
      }
      const work = submitter
        .submit(cp.chain, cp.note)
        .catch((error: unknown) =>
          options.logger.warn({ err: error, chain: cp.chain }, 'witness submission failed'),
        )
        .finally(() => inFlight.delete(work))
      inFlight.add(work)
    },
    async flush() {
      await Promise.allSettled([...inFlight])
      await submitter.flush()
    },
  }
}
