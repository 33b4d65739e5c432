/**
 * Ledger entry format v1 (see docs/ledger-format.md). `hash` is the lowercase hex SHA-256 of the
 * RFC 8785 form of the entry without `hash`.
 */
export interface LedgerEntry {
  readonly v: 1
  readonly chain: string
  readonly seq: number
  readonly ts: string
  readonly type: string
  /** Any JSON object; the bodies of the types Arbiter writes are typed in `src/entries`. */
  readonly body: Record<string, unknown>
  readonly prev: string
  readonly hash: string
}

/** The entry object that is hashed: a {@link LedgerEntry} without `hash`. */
export type UnhashedEntry = Omit<LedgerEntry, 'hash'>

/** `prev` of the first entry of every chain. */
export const GENESIS_PREV = '0'.repeat(64)

/** What a caller asks to append; `seq`, `ts`, `prev` and `hash` are assigned by the ledger. */
export interface AppendRequest {
  readonly chain: string
  readonly type: string
  readonly body: Record<string, unknown>
}

/** A signed statement that entry `seq` of `chain` had hash `hash` at time `ts`. */
export interface Checkpoint {
  readonly chain: string
  readonly seq: number
  readonly hash: string
  readonly ts: string
  readonly key_id: string
  /** Base64 Ed25519 signature over `arbiter-checkpoint v1\n<chain>\n<seq>\n<hash>\n<ts>\n`. */
  readonly sig: string
}

export interface ChainHead {
  readonly chain: string
  readonly seq: number
  readonly hash: string
}

/** An inclusive range of `seq` values; either end may be left open. */
export interface SeqRange {
  readonly fromSeq?: number
  readonly toSeq?: number
}

/**
 * What verification and export need from a ledger: the stored rows and checkpoints exactly as the
 * database holds them (untrusted, undecoded: the verifier parses them itself), and every chain the
 * database knows of. `KyselyLedgerStore` implements it; a wrapper (metrics) forwards it.
 */
export interface VerifiableLedger {
  /** A chain's stored rows in seq order, body as stored text, streamed in constant memory. */
  rawRows(chain: string, range?: SeqRange): AsyncIterable<unknown>
  /** A chain's stored checkpoints as raw rows, oldest first. */
  checkpoints(chain: string): Promise<unknown[]>
  /** Every chain the database knows of: heads and checkpoints (entries may have been deleted). */
  knownChains(): Promise<string[]>
  /** The stored Merkle root of a chain's first `size` entries, or null when the tree is not stored that far. */
  merkleRoot?(chain: string, size: number): Promise<Uint8Array | null>
}

/**
 * The append-only ledger as the guard and server use it. Implemented by `KyselyLedgerStore`
 * on PostgreSQL and PGlite alike.
 */
export interface Ledger {
  /** Appends one entry; resolves only after the transaction holding it has committed. */
  append(request: AppendRequest): Promise<LedgerEntry>
  /** The newest entry of a chain, or null for an empty/unknown chain. */
  head(chain: string): Promise<ChainHead | null>
  /** Streams a chain's entries in seq order, in constant memory. */
  entries(chain: string, range?: SeqRange): AsyncIterable<LedgerEntry>
  /** Entries whose body has `field` equal to `value` (indexed for decision_id, event_id, approval_id). */
  findByBodyField(
    field: 'decision_id' | 'event_id' | 'approval_id',
    value: string,
    filter?: { chain?: string; type?: string },
  ): Promise<LedgerEntry[]>
  /**
   * Entries of one `type` (indexed), optionally on one chain, in chain and seq order. With a chain,
   * `afterSeq`/`toSeq` keep `afterSeq < seq <= toSeq` (a range of the primary key: cheap for a tail).
   */
  findByType(
    type: string,
    filter?: { chain?: string; afterSeq?: number; toSeq?: number },
  ): Promise<LedgerEntry[]>
  /** Every chain with its head. */
  listChains(): Promise<ChainHead[]>
  /** Stops accepting appends, waits for queued ones, and (with a checkpointer) signs a final checkpoint. */
  close(): Promise<void>
}
