import type { Kysely } from 'kysely'
import { type Clock, toRfc3339Millis } from '../shared/index.js'
import { type BatchItem, commitLocked, commitOnHead, type HeadState } from './commit-batch.js'
import { toWriteError } from './errors.js'
import type { LedgerEntry } from './ledger.types.js'
import type { LedgerDatabase } from './schema.js'
import type { MerkleFrontier } from './tlog/index.js'

/** Settings of a {@link GroupCommitWriter}. */
export interface GroupCommitOptions {
  readonly clock: Clock
  /** Most entries one transaction takes from the queue. */
  readonly maxBatch: number
  /** Maintain each chain's Merkle tree in the commit (table `ledger_merkle`). */
  readonly merkle: boolean
  /** Called after each committed batch. */
  readonly onCommit: (chain: string, last: LedgerEntry, count: number) => void
}

interface Pending extends BatchItem {
  resolve(entry: LedgerEntry): void
  reject(error: unknown): void
}

/**
 * Group commit of appends, per chain: callers queue in memory, one writer per chain takes up to
 * `maxBatch` of them and commits them in one transaction (commit-batch.ts), growing the chain's Merkle
 * tree in the same commit from a cached frontier; only then do the callers' promises resolve. Keeps
 * where each chain ended after this process's last commit, so the next batch can commit in one
 * statement; the head row lock makes it safe across processes.
 *
 * @internal
 */
export class GroupCommitWriter {
  private readonly queues = new Map<string, Pending[]>()
  private readonly running = new Map<string, Promise<void>>()
  /** Where each chain ended after this process's last commit (the head row exists). */
  private readonly heads = new Map<string, HeadState>()
  /** The Merkle frontier of each chain at `heads` (cached so appends need not read the tree). */
  private readonly trees = new Map<string, MerkleFrontier>()
  /** Chains another process wrote to since this one's last commit: they take the locking path. */
  private readonly sharedChains = new Set<string>()

  constructor(
    private readonly db: Kysely<LedgerDatabase>,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Queues one admitted entry; resolves with it once committed. */
  enqueue(chain: string, item: BatchItem): Promise<LedgerEntry> {
    return new Promise<LedgerEntry>((resolve, reject) => {
      const queue = this.queues.get(chain) ?? []
      queue.push({ ...item, resolve, reject })
      this.queues.set(chain, queue)
      if (!this.running.has(chain)) this.startWriter(chain)
    })
  }

  /** Waits until every queued append has settled. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()])
  }

  private startWriter(chain: string): void {
    const run = (async () => {
      for (;;) {
        // Let the event loop take in pending I/O first (requests already received whose appends are
        // about to be queued): in a server the next batch then carries them instead of leaving them
        // for one more commit round trip. It costs one loop turn.
        await new Promise<void>((resolve) => setImmediate(resolve))
        const queue = this.queues.get(chain)
        if (!queue || queue.length === 0) break
        await this.commitIsolated(chain, queue.splice(0, this.options.maxBatch))
      }
      this.queues.delete(chain)
      this.running.delete(chain)
    })()
    this.running.set(chain, run)
  }

  /**
   * Commits `batch` in one transaction; when the database refuses it for what one entry holds (a
   * duplicate link, a value it cannot store), splits the batch and commits the halves in order, so
   * only the offending entries fail and the innocent ones commit. An outage fails the whole batch.
   */
  private async commitIsolated(chain: string, batch: Pending[]): Promise<void> {
    try {
      const entries = await this.commitBatch(chain, batch)
      for (const [i, pending] of batch.entries()) pending.resolve(entries[i]!)
      this.options.onCommit(chain, entries[entries.length - 1]!, entries.length)
    } catch (error) {
      this.heads.delete(chain)
      this.trees.delete(chain)
      const failure = toWriteError(error, `append of ${batch.length} entries to chain ${chain}`)
      if (batch.length === 1 || failure.code === 'LEDGER_UNAVAILABLE') {
        const own =
          batch.length === 1
            ? toWriteError(error, `append of a ${batch[0]!.type} entry to chain ${chain}`)
            : failure
        for (const pending of batch) pending.reject(own)
        return
      }
      const half = Math.ceil(batch.length / 2)
      await this.commitIsolated(chain, batch.slice(0, half))
      await this.commitIsolated(chain, batch.slice(half))
    }
  }

  /**
   * Commits one batch. A writer that knows where its chain ends (it committed the previous batch)
   * commits in one statement conditioned on that head; when another process has written meanwhile, it
   * takes the locking path, and keeps to it while the chain is shared (until it finds the head where
   * it left it again).
   */
  private async commitBatch(chain: string, batch: Pending[]): Promise<LedgerEntry[]> {
    const ts = toRfc3339Millis(this.options.clock.now())
    const known = this.heads.get(chain)
    const merkle = this.options.merkle
    const cached = (merkle && this.trees.get(chain)) || null
    let entries: LedgerEntry[] | null = null
    let tree: MerkleFrontier | null = null
    // The one-statement path needs the tree's frontier at the known head (it cannot read it).
    if (known && !this.sharedChains.has(chain) && (!merkle || cached?.size === known.seq)) {
      const done = await commitOnHead(this.db, chain, batch, known, ts, cached)
      if (done) ({ entries, tree } = done)
      else this.sharedChains.add(chain)
    }
    if (!entries) {
      const locked = await commitLocked(this.db, chain, batch, ts, {
        createHead: !known,
        tree: merkle ? cached : false,
      })
      if (known && locked.found.seq === known.seq && locked.found.hash === known.hash)
        this.sharedChains.delete(chain)
      ;({ entries, tree } = locked)
    }
    if (tree) this.trees.set(chain, tree)
    else this.trees.delete(chain)
    const last = entries[entries.length - 1]!
    this.heads.set(chain, { seq: last.seq, hash: last.hash })
    return entries
  }
}
