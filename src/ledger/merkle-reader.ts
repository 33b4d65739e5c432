import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { assertChainId, entryCanonicalText } from './chain.js'
import { LedgerError } from './errors.js'
import { MerkleNodeCache } from './merkle-cache.js'
import { treeReaches } from './merkle-layout.js'
import { TreeSnapshot } from './merkle-snapshot.js'
import { loadFrontier } from './merkle-store.js'
import { parseStoredRow } from './row.js'
import type { LedgerDatabase } from './schema.js'
import {
  consistencyPlan,
  encodeEntryBundle,
  inclusionPlan,
  type NodeId,
  proveConsistency,
  proveInclusion,
  rootNodes,
  TILE_WIDTH,
  type TileRef,
  TlogError,
  tileFitsTree,
  tileNodes,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from './tlog/index.js'

/** An inclusion proof as the API and `arbiter prove` print it (hashes in lowercase hex). */
export interface InclusionProof {
  readonly chain: string
  readonly seq: number
  readonly leaf_index: number
  readonly tree_size: number
  readonly entry_hash: string
  readonly leaf_hash: string
  readonly root_hash: string
  readonly proof: readonly string[]
}

/** A consistency proof as the API and `arbiter prove` print it (hashes in lowercase hex). */
export interface ConsistencyProof {
  readonly chain: string
  readonly from_size: number
  readonly to_size: number
  readonly from_root: string
  readonly to_root: string
  readonly proof: readonly string[]
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

/**
 * Reads a chain's Merkle tree from the database: sizes, roots, proofs, tlog tiles and entry bundles.
 * Every proof is checked with the pure verifier before it is returned (a corrupted tree row is an
 * error, never a wrong answer).
 *
 * @example
 * const tree = new MerkleTreeReader(db)
 * const proof = await tree.inclusion('default', 42)
 */
export class MerkleTreeReader {
  /** Upper nodes' hashes (immutable once complete), shared by every proof this reader serves. */
  private readonly cache: MerkleNodeCache

  constructor(
    private readonly db: Kysely<LedgerDatabase>,
    options: { cache?: MerkleNodeCache } = {},
  ) {
    this.cache = options.cache ?? new MerkleNodeCache()
  }

  /**
   * The size of the chain's tree, which equals its head; a tree that lags the chain (entries written
   * before migration 0103) is completed first, under the head lock.
   *
   * @throws {LedgerError} LEDGER_CHAIN_NOT_FOUND, LEDGER_ROW_INVALID
   */
  async size(chain: string): Promise<number> {
    assertChainId(chain)
    const snap = await TreeSnapshot.read(this.db, chain, [])
    if (snap.head === 0) throw new LedgerError('LEDGER_CHAIN_NOT_FOUND', `chain ${chain} has no entries`)
    return treeReaches(snap.covered, snap.head) ? snap.head : syncTree(this.db, chain)
  }

  /**
   * One read of everything `nodesAt(n)` needs, n being `size` or (one more round trip) the chain's
   * size. A proof against a given size is one round trip.
   */
  private async snapshot(
    chain: string,
    size: number | undefined,
    nodesAt: (n: number) => NodeId[],
  ): Promise<{ n: number; snap: TreeSnapshot }> {
    assertChainId(chain)
    const n = size ?? (await this.size(chain))
    if (!Number.isSafeInteger(n) || n < 1) throw await this.badSize(chain, n)
    const nodes = nodesAt(n)
    let snap = await TreeSnapshot.read(this.db, chain, nodes, this.cache)
    if (snap.head === 0) throw new LedgerError('LEDGER_CHAIN_NOT_FOUND', `chain ${chain} has no entries`)
    if (n > snap.head) throw await this.badSize(chain, n)
    if (!treeReaches(snap.covered, n)) {
      await syncTree(this.db, chain)
      snap = await TreeSnapshot.read(this.db, chain, nodes, this.cache)
    }
    return { n, snap }
  }

  private async badSize(chain: string, n: number): Promise<TlogError> {
    const current = await this.size(chain)
    return new TlogError('TLOG_RANGE_INVALID', `tree size must be 1-${current} for chain ${chain}, got ${n}`)
  }

  /**
   * Root hash of the chain's tree at `size` (default: the whole chain).
   *
   * @throws {TlogError} TLOG_RANGE_INVALID
   */
  async root(chain: string, size?: number): Promise<{ size: number; root: Buffer }> {
    const { n, snap } = await this.snapshot(chain, size, rootNodes)
    return { size: n, root: await treeRoot(snap, n) }
  }

  /**
   * Inclusion proof of entry `seq` in the tree of `size` entries (default: the whole chain): one
   * database round trip when `size` is given.
   *
   * @throws {TlogError} TLOG_RANGE_INVALID, TLOG_PROOF_INVALID (the stored tree is corrupt)
   */
  async inclusion(chain: string, seq: number, size?: number): Promise<InclusionProof> {
    const leafNode = { level: 0, index: seq - 1 }
    const { n, snap } = await this.snapshot(chain, size, (n) => {
      if (!Number.isSafeInteger(seq) || seq < 1 || seq > n)
        throw new TlogError('TLOG_RANGE_INVALID', `seq must be 1-${n} for a tree of size ${n}, got ${seq}`)
      return [leafNode, ...inclusionPlan(seq - 1, n).flat(), ...rootNodes(n)]
    })
    const leaf = snap.hash(leafNode)
    const entry = snap.entry(seq)!
    const [proof, root] = await Promise.all([proveInclusion(snap, seq - 1, n), treeRoot(snap, n)])
    verifyInclusion(seq - 1, n, leaf, proof, root)
    return {
      chain,
      seq,
      leaf_index: seq - 1,
      tree_size: n,
      entry_hash: entry.hash,
      leaf_hash: hex(leaf),
      root_hash: hex(root),
      proof: proof.map(hex),
    }
  }

  /**
   * Consistency proof from the tree of `from` entries to the tree of `to` (default: the whole chain):
   * one database round trip when `to` is given.
   *
   * @throws {TlogError} TLOG_RANGE_INVALID, TLOG_PROOF_INVALID (the stored tree is corrupt)
   */
  async consistency(chain: string, from: number, to?: number): Promise<ConsistencyProof> {
    const { n, snap } = await this.snapshot(chain, to, (n) => {
      if (!Number.isSafeInteger(from) || from < 1 || from > n)
        throw new TlogError('TLOG_RANGE_INVALID', `from must be 1-${n}, got ${from}`)
      return [...consistencyPlan(from, n).flat(), ...rootNodes(from), ...rootNodes(n)]
    })
    const [proof, fromRoot, toRoot] = await Promise.all([
      proveConsistency(snap, from, n),
      treeRoot(snap, from),
      treeRoot(snap, n),
    ])
    verifyConsistency(from, n, proof, fromRoot, toRoot)
    return {
      chain,
      from_size: from,
      to_size: n,
      from_root: hex(fromRoot),
      to_root: hex(toRoot),
      proof: proof.map(hex),
    }
  }

  /**
   * The newest checkpoint of a chain stored as a signed note (C2SP tlog-checkpoint), or null.
   *
   * @example
   * const note = await tree.latestNote('default')
   */
  async latestNote(chain: string): Promise<string | null> {
    assertChainId(chain)
    const row = await this.db
      .selectFrom('ledger_checkpoints')
      .select('note')
      .where('chain', '=', chain)
      .where('note', 'is not', null)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row?.note ?? null
  }

  /**
   * A C2SP hash tile or entry bundle; null when the tree does not (yet) hold all of it.
   *
   * @throws {LedgerError} LEDGER_CHAIN_NOT_FOUND, LEDGER_ROW_INVALID
   */
  async tile(chain: string, ref: TileRef): Promise<Buffer | null> {
    const size = await this.size(chain)
    if (!tileFitsTree(ref, size)) return null
    if (ref.kind === 'hash') {
      const nodes = tileNodes(ref)
      const hashes = await (await TreeSnapshot.read(this.db, chain, nodes, this.cache)).readHashes(nodes)
      return Buffer.concat(hashes)
    }
    const first = ref.index * TILE_WIDTH + 1
    const rows = await this.db
      .selectFrom('ledger_entries')
      .select(['chain', 'seq', 'ts', 'type', sql<string>`body::text`.as('body'), 'prev', 'hash'])
      .where('chain', '=', chain)
      .where('seq', '>=', String(first))
      .where('seq', '<', String(first + ref.width))
      .orderBy('seq')
      .execute()
    const leaves = rows.map((raw, i) => {
      const row = parseStoredRow(raw)
      if (!row || row.seq !== first + i)
        throw new LedgerError(
          'LEDGER_ROW_INVALID',
          `chain ${chain}: entry ${first + i} is missing or malformed`,
        )
      const entry = {
        v: 1 as const,
        chain,
        seq: row.seq,
        ts: row.ts,
        type: row.type,
        body: {},
        prev: row.prev,
      }
      return Buffer.from(entryCanonicalText(entry, row.body), 'utf8')
    })
    if (leaves.length !== ref.width)
      throw new LedgerError(
        'LEDGER_ROW_INVALID',
        `chain ${chain}: entries ${first}-${first + ref.width - 1} are incomplete`,
      )
    return encodeEntryBundle(leaves)
  }
}

/**
 * Brings a chain's stored tree up to its head (backfilling entries written before migration 0103),
 * under the head lock; returns the tree size.
 *
 * @throws {LedgerError} LEDGER_ROW_INVALID when an entry does not match its hash.
 * @example
 * await syncTree(db, 'default')
 */
export function syncTree(db: Kysely<LedgerDatabase>, chain: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const head = await trx
      .selectFrom('ledger_heads')
      .select('seq')
      .where('chain', '=', chain)
      .forUpdate()
      .executeTakeFirst()
    const seq = head ? Number(head.seq) : 0
    return (await loadFrontier(trx, chain, seq)).size
  })
}
