import type { KeyObject } from 'node:crypto'
import type { Kysely } from 'kysely'
import {
  ed25519NoteSigner,
  entryLeafHash,
  formatCheckpoint,
  type LedgerDatabase,
  type LedgerEntry,
  MemoryMerkleTree,
  proveConsistency,
  type StoredCheckpoint,
  signNote,
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
 * Wires the witness submitter to the checkpointer: every signed checkpoint becomes a C2SP
 * tlog-checkpoint note (origin `origin(chain)`, signed with the log's key) and is submitted to every
 * witness with a consistency proof; cosignatures land in `ledger_cosignatures`. Nothing here is on the
 * decision path, and a failure is only logged.
 *
 * @example
 * const witnessing = createWitnessing(db, { witnesses, signingKey, origin: (c) => `arbiter.example/${c}`, entries, logger })
 * createCheckpointer(db, config, { logger, signingKey, onSigned: witnessing.onSigned })
 */
export function createWitnessing(
  db: Kysely<LedgerDatabase>,
  options: {
    readonly witnesses: readonly WitnessRef[]
    readonly signingKey: KeyObject
    readonly origin: (chain: string) => string
    readonly entries: (chain: string, range: { toSeq: number }) => AsyncIterable<LedgerEntry>
    readonly logger: Logger
  },
): Witnessing {
  // The tree of each chain up to the last size asked for, rebuilt from the entries when it must grow.
  // One reader per chain at a time: two growing the same tree at once would append twice.
  const trees = new Map<string, MemoryMerkleTree>()
  const lanes = new Map<string, Promise<unknown>>()
  const grow = async (chain: string, size: number): Promise<MemoryMerkleTree> => {
    let tree = trees.get(chain)
    if (!tree || tree.size > size) tree = new MemoryMerkleTree()
    if (tree.size < size)
      for await (const e of options.entries(chain, { toSeq: size }))
        if (e.seq > tree.size) tree.appendLeafHash(entryLeafHash(e))
    trees.set(chain, tree)
    return tree
  }
  const treeOf = (chain: string, size: number): Promise<MemoryMerkleTree> => {
    const run = (lanes.get(chain) ?? Promise.resolve()).then(() => grow(chain, size))
    lanes.set(
      chain,
      run.catch(() => undefined),
    )
    return run
  }
  const submitter = new WitnessSubmitter(db, {
    witnesses: options.witnesses.map((w) => ({ url: w.url!, key: w.key })),
    prove: async (chain, from, to) => proveConsistency(await treeOf(chain, to), from, to),
    logger: options.logger,
  })
  const inFlight = new Set<Promise<void>>()
  return {
    onSigned(cp) {
      if (options.witnesses.length === 0) return
      const work = (async () => {
        const origin = options.origin(cp.chain)
        const tree = await treeOf(cp.chain, cp.seq)
        const text = formatCheckpoint({ origin, size: cp.seq, root: tree.root(), extensions: [] })
        await submitter.submit(cp.chain, signNote(text, [ed25519NoteSigner(origin, options.signingKey)]))
      })()
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
