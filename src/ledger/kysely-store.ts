import { type Kysely, type RawBuilder, sql } from 'kysely'
import {
  type Clock,
  DEFAULT_BODY_LIMITS,
  type JsonLimits,
  systemClock,
  toRfc3339Millis,
} from '../shared/index.js'
import { admitBody, assertChainId, ENTRY_TYPE_PATTERN } from './chain.js'
import type { Checkpointer } from './checkpointer.js'
import { commitLocked, commitOnHead, type HeadState } from './commit-batch.js'
import { LedgerError, toWriteError } from './errors.js'
import type {
  AppendRequest,
  ChainHead,
  Ledger,
  LedgerEntry,
  SeqRange,
  VerifiableLedger,
} from './ledger.types.js'
import { decodeEntryRow } from './row.js'
import type { LedgerDatabase } from './schema.js'
import type { MerkleFrontier } from './tlog/index.js'

export interface KyselyLedgerStoreOptions {
  readonly clock?: Clock
  /** Most entries one transaction takes from the queue (default 512). */
  readonly maxBatch?: number
  /** Rows per page when streaming entries (default 5000). */
  readonly pageSize?: number
  /** Called after each committed batch. */
  readonly onCommit?: (chain: string, last: LedgerEntry, count: number) => void
  /**
   * Signs checkpoints every N entries / T seconds; started by the store, and closed by `close()`, which
   * signs a final checkpoint of every chain.
   */
  readonly checkpointer?: Checkpointer
  /**
   * Depth and size limits on every body appended (default `DEFAULT_BODY_LIMITS`, 48 levels and 25,000
   * values): nothing enters the ledger that a reader or verifier cannot process.
   */
  readonly bodyLimits?: JsonLimits
  /**
   * Maintain the Merkle tree of each chain (table `ledger_merkle`) with every append, in the same
   * statement or transaction (default true; false only for measuring its cost).
   */
  readonly merkle?: boolean
}

/** A ledger_entries row as selected (body as text, seq as returned by the driver). */
interface EntrySelectRow {
  readonly seq: string
  readonly [column: string]: unknown
}

interface Pending {
  readonly type: string
  readonly body: Record<string, unknown>
  readonly bodyText: string
  resolve(entry: LedgerEntry): void
  reject(error: unknown): void
}

const BODY_FIELDS = {
  // Literal expressions, so PostgreSQL matches them to the expression indexes of migration 0001.
  decision_id: sql<string>`body->>'decision_id'`,
  event_id: sql<string>`body->>'event_id'`,
  approval_id: sql<string>`body->>'approval_id'`,
} satisfies Record<string, RawBuilder<string>>

/**
 * The ledger on PostgreSQL or PGlite. Appends are group-committed: callers queue in memory, one
 * writer per chain takes up to `maxBatch` of them, locks the chain's head row `FOR UPDATE`, assigns
 * `seq = head + 1…`, inserts them in one statement, moves the head and commits; only then do the
 * callers' promises resolve. The row lock makes this safe across processes.
 *
 * @example
 * const ledger = new KyselyLedgerStore(db)
 * const entry = await ledger.append({ chain: 'default', type: 'decision', body: { decision_id: 'd1' } })
 */
export class KyselyLedgerStore implements Ledger, VerifiableLedger {
  private readonly queues = new Map<string, Pending[]>()
  private readonly running = new Map<string, Promise<void>>()
  /** Where each chain ended after this process's last commit (the head row exists). */
  private readonly heads = new Map<string, HeadState>()
  /** The Merkle frontier of each chain at `heads` (cached so appends need not read the tree). */
  private readonly trees = new Map<string, MerkleFrontier>()
  /** Chains another process wrote to since this one's last commit: they take the locking path. */
  private readonly sharedChains = new Set<string>()
  private readonly clock: Clock
  private readonly maxBatch: number
  private readonly pageSize: number
  private readonly bodyLimits: JsonLimits
  private closed = false
  private closing: Promise<void> | null = null

  constructor(
    private readonly db: Kysely<LedgerDatabase>,
    private readonly options: KyselyLedgerStoreOptions = {},
  ) {
    this.clock = options.clock ?? systemClock
    this.maxBatch = options.maxBatch ?? 512
    this.pageSize = options.pageSize ?? 5000
    this.bodyLimits = options.bodyLimits ?? DEFAULT_BODY_LIMITS
    this.checkpointer = options.checkpointer ?? null
    this.checkpointer?.start()
  }

  /** The checkpointer this store feeds, if any. */
  readonly checkpointer: Checkpointer | null

  /**
   * Appends one entry; resolves after the transaction holding it has committed.
   *
   * @throws {LedgerError} LEDGER_BODY_INVALID, LEDGER_REQUEST_INVALID, LEDGER_CLOSED, LEDGER_UNAVAILABLE, LEDGER_WRITE_FAILED
   */
  append(request: AppendRequest): Promise<LedgerEntry> {
    try {
      if (this.closed) throw new LedgerError('LEDGER_CLOSED', 'ledger is closed')
      assertChainId(request.chain)
      if (typeof request.type !== 'string' || !ENTRY_TYPE_PATTERN.test(request.type))
        throw new LedgerError('LEDGER_REQUEST_INVALID', `entry type must match ${ENTRY_TYPE_PATTERN.source}`)
      // The stored and returned body is the canonical one (undefined members dropped, toJSON applied).
      const { text: bodyText, body } = admitBody(request.body, this.bodyLimits)
      return new Promise<LedgerEntry>((resolve, reject) => {
        const queue = this.queues.get(request.chain) ?? []
        queue.push({ type: request.type, body, bodyText, resolve, reject })
        this.queues.set(request.chain, queue)
        if (!this.running.has(request.chain)) this.startWriter(request.chain)
      })
    } catch (error) {
      return Promise.reject(error)
    }
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
        await this.commitIsolated(chain, queue.splice(0, this.maxBatch))
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
      this.options.onCommit?.(chain, entries[entries.length - 1]!, entries.length)
      this.checkpointer?.noteCommitted(chain, entries.length)
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
    const ts = toRfc3339Millis(this.clock.now())
    const known = this.heads.get(chain)
    const merkle = this.options.merkle !== false
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

  /** The newest entry of a chain, or null for an empty or unknown chain. */
  async head(chain: string): Promise<ChainHead | null> {
    const row = await this.db
      .selectFrom('ledger_heads')
      .select(['chain', 'seq', 'hash'])
      .where('chain', '=', chain)
      .executeTakeFirst()
    if (!row || Number(row.seq) === 0) return null
    return { chain: row.chain, seq: Number(row.seq), hash: row.hash }
  }

  /** Streams a chain's entries in seq order, a page at a time (keyset pagination, constant memory). */
  async *entries(chain: string, range: SeqRange = {}): AsyncIterable<LedgerEntry> {
    for await (const row of this.rawRows(chain, range)) yield decodeEntryRow(row)
  }

  /**
   * Streams stored rows (body as its stored text) without decoding them: the verifier and the export
   * parse them themselves. Part of {@link VerifiableLedger}.
   *
   * @example
   * for await (const row of ledger.rawRows('default', { fromSeq: 1 })) console.log(row)
   */
  async *rawRows(chain: string, range: SeqRange = {}): AsyncIterable<unknown> {
    const to = String(range.toSeq ?? Number.MAX_SAFE_INTEGER)
    const page = (after: number): Promise<EntrySelectRow[]> => {
      const query = this.selectEntries()
        .where('chain', '=', chain)
        .where('seq', '>', String(after))
        .where('seq', '<=', to)
        .orderBy('seq')
        .limit(this.pageSize)
        .execute()
      // Prefetched pages may be abandoned when the consumer stops early; never an unhandled rejection.
      query.catch(() => undefined)
      return query
    }
    let next: Promise<EntrySelectRow[]> | null = page(Math.max(0, (range.fromSeq ?? 1) - 1))
    while (next) {
      const rows: EntrySelectRow[] = await next
      const last: EntrySelectRow | undefined = rows[rows.length - 1]
      // Fetch the next page while the caller works through this one (I/O overlaps hashing).
      next = last && rows.length === this.pageSize ? page(Number(last.seq)) : null
      for (const row of rows) yield row
    }
  }

  /** Entries whose body has `field` equal to `value`, oldest first. */
  async findByBodyField(
    field: 'decision_id' | 'event_id' | 'approval_id',
    value: string,
    filter: { chain?: string; type?: string } = {},
  ): Promise<LedgerEntry[]> {
    const expression = BODY_FIELDS[field]
    if (!expression)
      throw new LedgerError('LEDGER_REQUEST_INVALID', `cannot search body field ${String(field)}`)
    let query = this.selectEntries().where(expression, '=', value)
    if (filter.chain !== undefined) query = query.where('chain', '=', filter.chain)
    if (filter.type !== undefined) query = query.where('type', '=', filter.type)
    const rows = await query.orderBy('chain').orderBy('seq').execute()
    return rows.map((row) => decodeEntryRow(row))
  }

  /**
   * Entries of one type (served by the `(type, ts)` index), e.g. every `approval_request`.
   *
   * @example
   * const requests = await ledger.findByType('approval_request', { chain: 'default' })
   */
  async findByType(
    type: string,
    filter: { chain?: string; afterSeq?: number; toSeq?: number } = {},
  ): Promise<LedgerEntry[]> {
    let query = this.selectEntries().where('type', '=', type)
    if (filter.chain !== undefined) query = query.where('chain', '=', filter.chain)
    if (filter.afterSeq !== undefined) query = query.where('seq', '>', String(filter.afterSeq))
    if (filter.toSeq !== undefined) query = query.where('seq', '<=', String(filter.toSeq))
    const rows = await query.orderBy('chain').orderBy('seq').execute()
    return rows.map((row) => decodeEntryRow(row))
  }

  /** Every chain that has at least one entry, with its head. */
  async listChains(): Promise<ChainHead[]> {
    const rows = await this.db
      .selectFrom('ledger_heads')
      .select(['chain', 'seq', 'hash'])
      .where('seq', '>', '0')
      .orderBy('chain')
      .execute()
    return rows.map((row) => ({ chain: row.chain, seq: Number(row.seq), hash: row.hash }))
  }

  /**
   * Stops accepting appends and waits for queued ones to settle; with a checkpointer, signs a final
   * checkpoint of every chain (a graceful shutdown leaves no unsigned tail). The database stays open
   * (its owner closes it).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true
      await Promise.allSettled([...this.running.values()])
      await this.checkpointer?.close()
    })()
    return this.closing
  }

  /**
   * Stored checkpoints of a chain as raw rows, oldest first, for the verifier and the export (which
   * parse them themselves). Part of {@link VerifiableLedger}.
   *
   * @example
   * const rows = await ledger.checkpoints('default')
   */
  async checkpoints(chain: string): Promise<unknown[]> {
    return this.db
      .selectFrom('ledger_checkpoints')
      .select(['chain', 'seq', 'hash', 'ts', 'key_id', 'sig', 'public_key'])
      .where('chain', '=', chain)
      .orderBy('id')
      .execute()
  }

  /**
   * Every chain the database knows of: heads and checkpoints (a chain whose entries were all deleted
   * still has checkpoints naming it). Part of {@link VerifiableLedger}.
   *
   * @example
   * const chains = await ledger.knownChains()
   */
  async knownChains(): Promise<string[]> {
    const heads = await this.db.selectFrom('ledger_heads').select('chain').execute()
    const cps = await this.db.selectFrom('ledger_checkpoints').select('chain').distinct().execute()
    return [...new Set([...heads, ...cps].map((row) => row.chain))].sort()
  }

  private selectEntries() {
    return this.db
      .selectFrom('ledger_entries')
      .select(['chain', 'seq', 'ts', 'type', sql<string>`body::text`.as('body'), 'prev', 'hash'])
  }
}
