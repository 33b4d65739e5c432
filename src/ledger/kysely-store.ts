import { type Kysely, type RawBuilder, sql } from 'kysely'
import { type Clock, DEFAULT_BODY_LIMITS, type JsonLimits, systemClock } from '../shared/index.js'
import { admitBody, assertChainId, ENTRY_TYPE_PATTERN } from './chain.js'
import type { Checkpointer } from './checkpointer.js'
import { LedgerError } from './errors.js'
import { GroupCommitWriter } from './group-commit.js'
import type {
  AppendRequest,
  ChainHead,
  Ledger,
  LedgerEntry,
  SeqRange,
  VerifiableLedger,
} from './ledger.types.js'
import { KyselyHashSource } from './merkle-store.js'
import { decodeEntryRow } from './row.js'
import type { LedgerDatabase } from './schema.js'
import { TlogError, treeRoot } from './tlog/index.js'

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
  private readonly writer: GroupCommitWriter
  private readonly pageSize: number
  private readonly bodyLimits: JsonLimits
  private closed = false
  private closing: Promise<void> | null = null

  constructor(
    private readonly db: Kysely<LedgerDatabase>,
    options: KyselyLedgerStoreOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 5000
    this.bodyLimits = options.bodyLimits ?? DEFAULT_BODY_LIMITS
    this.checkpointer = options.checkpointer ?? null
    this.writer = new GroupCommitWriter(db, {
      clock: options.clock ?? systemClock,
      maxBatch: options.maxBatch ?? 512,
      merkle: options.merkle !== false,
      onCommit: (chain, last, count) => {
        options.onCommit?.(chain, last, count)
        this.checkpointer?.noteCommitted(chain, count)
      },
    })
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
      return this.writer.enqueue(request.chain, { type: request.type, body, bodyText })
    } catch (error) {
      return Promise.reject(error)
    }
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
      await this.writer.drain()
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
      .select(['chain', 'seq', 'hash', 'ts', 'key_id', 'sig', 'public_key', 'note'])
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

  /**
   * The stored Merkle root of a chain's first `size` entries; null when the tree does not reach it.
   * Part of {@link VerifiableLedger}.
   */
  merkleRoot(chain: string, size: number): Promise<Uint8Array | null> {
    return treeRoot(new KyselyHashSource(this.db, chain), size).catch((error: unknown) => {
      if (error instanceof TlogError && error.code === 'TLOG_HASH_MISSING') return null
      throw error
    })
  }

  private selectEntries() {
    return this.db
      .selectFrom('ledger_entries')
      .select(['chain', 'seq', 'ts', 'type', sql<string>`body::text`.as('body'), 'prev', 'hash'])
  }
}
