import { hash as digestOf } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import { entryCanonicalText } from './chain.js'
import { LedgerError } from './errors.js'
import type { MerkleNodeCache } from './merkle-cache.js'
import { coveredLeaves, fetchList, isStoredLevel, nodeKey } from './merkle-layout.js'
import { type EntryRow, parseStoredRow } from './row.js'
import type { LedgerDatabase } from './schema.js'
import { type HashSource, leafHash, type NodeId, nodeHash, TlogError } from './tlog/index.js'

/** The outcome of one read: the chain's head, how far its stored tree reaches, and the rows asked for. */
interface SnapshotRow {
  readonly head: string | null
  readonly last2: string | null
  readonly nodes: unknown
  readonly entries: unknown
}

/**
 * A consistent read (one statement, one database snapshot) of a chain's head, the reach of its stored
 * tree, and everything needed to compute a set of Merkle nodes: the stored rows and the entries their
 * recipes name (see merkle-layout.ts). A proof, a root or a tile is one round trip.
 *
 * @example
 * const snap = await TreeSnapshot.read(db, 'default', rootNodes(size))
 * const [root] = await snap.readHashes([...])
 */
export class TreeSnapshot implements HashSource {
  private readonly memo = new Map<number, Buffer>()

  private constructor(
    readonly chain: string,
    /** The chain's head `seq` (0 for an unknown chain). */
    readonly head: number,
    /** Leaves the stored tree covers (complete groups of four). */
    readonly covered: number,
    private readonly rows: ReadonlyMap<number, Buffer>,
    private readonly entries: ReadonlyMap<number, EntryRow>,
    private readonly cache: MerkleNodeCache | undefined,
  ) {}

  /**
   * Reads what computing `nodes` takes, in one statement. Index lookups only: each requested row
   * and entry is fetched by primary key, so the cost does not grow with the chain. Nodes `cache`
   * holds are not read (and nodes computed at its levels are added to it).
   *
   * @throws {LedgerError} LEDGER_ROW_INVALID when a stored row or entry is malformed.
   */
  static async read(
    db: Kysely<LedgerDatabase>,
    chain: string,
    nodes: readonly NodeId[],
    cache?: MerkleNodeCache,
  ): Promise<TreeSnapshot> {
    const known = cache ? (node: NodeId) => cache.get(chain, node) !== undefined : undefined
    const { rows, leaves } = fetchList(nodes, known)
    const rowsJson = JSON.stringify(rows.map((n) => ({ l: n.level, i: n.index })))
    const seqsJson = JSON.stringify(leaves.map((i) => i + 1))
    // One call of the function of migration 0106 (its plan is cached per connection).
    const { rows: out } = await sql<{
      read: unknown
    }>`select arbiter_merkle_read(${chain}::text, ${rowsJson}::json, ${seqsJson}::json) as read`.execute(db)
    const row = jsonValue(out[0]?.read) as SnapshotRow | null | undefined
    if (typeof row !== 'object' || row === null)
      throw new LedgerError('LEDGER_ROW_INVALID', `chain ${chain}: the tree read returned nothing`)
    return new TreeSnapshot(
      chain,
      row.head === null ? 0 : Number(row.head),
      coveredLeaves(row.last2 === null ? null : Number(row.last2)),
      parseNodes(chain, row.nodes),
      parseEntries(chain, row.entries),
      cache,
    )
  }

  /** The stored entry at `seq`, if this snapshot read it (as a leaf). */
  entry(seq: number): EntryRow | undefined {
    return this.entries.get(seq)
  }

  /**
   * The hash of `node`, computed from what was read.
   *
   * @throws {TlogError} TLOG_HASH_MISSING when the tree or chain does not reach the node (or it was not read).
   */
  hash(node: NodeId): Buffer {
    const key = nodeKey(node)
    const known = this.memo.get(key) ?? this.cache?.get(this.chain, node)
    if (known) return known
    let hash: Buffer
    if (node.level === 0) {
      const entry = this.entries.get(node.index + 1)
      if (!entry) throw missing(this.chain, node)
      hash = leafHash(entryLeaf(entry))
    } else if (isStoredLevel(node.level)) {
      const stored = this.rows.get(key)
      if (!stored) throw missing(this.chain, node)
      hash = stored
    } else {
      const below = node.level - 1
      hash = nodeHash(
        this.hash({ level: below, index: node.index * 2 }),
        this.hash({ level: below, index: node.index * 2 + 1 }),
      )
    }
    this.memo.set(key, hash)
    this.cache?.set(this.chain, node, hash)
    return hash
  }

  /** {@link HashSource}: the hashes of `nodes`, in order. */
  async readHashes(nodes: readonly NodeId[]): Promise<readonly Uint8Array[]> {
    return nodes.map((n) => this.hash(n))
  }
}

function missing(chain: string, node: NodeId): TlogError {
  return new TlogError(
    'TLOG_HASH_MISSING',
    `chain ${chain} stores no Merkle node (level ${node.level}, index ${node.index})`,
  )
}

/**
 * The leaf bytes of a stored entry, refused unless they hash to the entry's `hash` (a proof is never
 * built over a row that was changed behind the triggers' back).
 *
 * @throws {LedgerError} LEDGER_ROW_INVALID
 * @internal
 */
export function entryLeaf(row: EntryRow): Buffer {
  const text = entryCanonicalText(
    { v: 1, chain: row.chain, seq: row.seq, ts: row.ts, type: row.type, body: {}, prev: row.prev },
    row.body,
  )
  const bytes = Buffer.from(text, 'utf8')
  if (digestOf('sha256', bytes, 'hex') !== row.hash)
    throw new LedgerError(
      'LEDGER_ROW_INVALID',
      `chain ${row.chain}: entry ${row.seq} does not match its hash`,
    )
  return bytes
}

/** pg parses `json` columns; PGlite may hand back text. */
function jsonValue(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value
}

function parseNodes(chain: string, value: unknown): Map<number, Buffer> {
  const out = new Map<number, Buffer>()
  if (!Array.isArray(value)) throw new LedgerError('LEDGER_ROW_INVALID', `chain ${chain}: bad tree rows`)
  for (const item of value) {
    if (!Array.isArray(item) || item.length !== 3)
      throw new LedgerError('LEDGER_ROW_INVALID', `chain ${chain}: bad tree row`)
    const [level, index, hex] = item as [unknown, unknown, unknown]
    if (hex === null) continue
    if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex))
      throw new LedgerError(
        'LEDGER_ROW_INVALID',
        `chain ${chain}: tree row (${level}, ${index}) is malformed`,
      )
    out.set(nodeKey({ level: Number(level), index: Number(index) }), Buffer.from(hex, 'hex'))
  }
  return out
}

function parseEntries(chain: string, value: unknown): Map<number, EntryRow> {
  const out = new Map<number, EntryRow>()
  if (!Array.isArray(value)) throw new LedgerError('LEDGER_ROW_INVALID', `chain ${chain}: bad entry rows`)
  for (const raw of value) {
    if (raw === null) continue // not in the chain: TLOG_HASH_MISSING if a node needs it
    const row = parseStoredRow(raw)
    if (!row || row.chain !== chain)
      throw new LedgerError('LEDGER_ROW_INVALID', `chain ${chain}: an entry row is malformed`)
    out.set(row.seq, row)
  }
  return out
}
