import { type Kysely, type RawBuilder, sql } from 'kysely'
import { LedgerError } from './errors.js'
import { isStoredLevel, treeReaches } from './merkle-layout.js'
import { entryLeaf, TreeSnapshot } from './merkle-snapshot.js'
import { parseStoredRow } from './row.js'
import type { LedgerDatabase } from './schema.js'
import {
  type HashSource,
  leafHash,
  MerkleFrontier,
  type NodeId,
  rootNodes,
  type StoredNode,
} from './tlog/index.js'

// The Merkle tree's storage (table ledger_merkle, migration 0103). Writers call these inside the
// transaction or statement that appends the entries, under the chain's head lock.

type Db = Kysely<LedgerDatabase>

/**
 * The nodes to store (merkle-layout.ts: even levels from 2) that leaves add after `frontier` (left
 * untouched: the commit may fail), and the grown frontier. `leaves` are the entries' leaf bytes (their
 * canonical text, exactly what their `hash` is the SHA-256 of).
 *
 * @internal
 */
export function growTree(
  frontier: MerkleFrontier,
  leaves: readonly Uint8Array[],
): { frontier: MerkleFrontier; nodes: StoredNode[] } {
  const grown = new MerkleFrontier(frontier.size, frontier.hashes())
  const nodes: StoredNode[] = []
  for (const leaf of leaves)
    for (const node of grown.append(leafHash(leaf))) if (isStoredLevel(node.level)) nodes.push(node)
  return { frontier: grown, nodes }
}

/**
 * The INSERT of `nodes` as one statement (a JSON parameter, so any number of nodes is one bind).
 *
 * @internal
 */
export function insertNodesSql(
  chain: string,
  nodes: readonly StoredNode[],
  onlyIf: RawBuilder<unknown> = sql`true`,
) {
  const json = JSON.stringify(nodes.map((n) => ({ l: n.level, i: n.index, h: n.hash.toString('hex') })))
  return sql`insert into ledger_merkle (chain, level, idx, hash)
    select ${chain}, t.l, t.i, decode(t.h, 'hex')
    from json_to_recordset(${json}::json) as t (l smallint, i bigint, h text)
    where ${onlyIf}`
}

/**
 * Reads node hashes in request order, each computed from the stored tree and entries of one database
 * snapshot: the {@link HashSource} of proofs and tiles.
 *
 * @throws {TlogError} TLOG_HASH_MISSING when the tree does not reach a requested node.
 * @example
 * const proof = await proveInclusion(new KyselyHashSource(db, 'default'), seq - 1, size)
 */
export class KyselyHashSource implements HashSource {
  constructor(
    private readonly db: Db,
    private readonly chain: string,
  ) {}

  async readHashes(nodes: readonly NodeId[]): Promise<readonly Uint8Array[]> {
    if (nodes.length === 0) return []
    return (await TreeSnapshot.read(this.db, this.chain, nodes)).readHashes(nodes)
  }
}

const BACKFILL_PAGE = 5000

/**
 * The frontier of a chain whose head is at `headSeq`, read from the stored tree (and the entries after
 * its last complete group of four); when the tree is behind (a chain written before migration 0103, or
 * with `merkle: false`), the missing leaves are read from the entries, checked against their hash, and
 * their nodes stored, a page at a time.
 *
 * @throws {LedgerError} LEDGER_ROW_INVALID when an entry does not match its hash or the tree is
 *   longer than the chain.
 * @internal
 */
export async function loadFrontier(db: Db, chain: string, headSeq: number): Promise<MerkleFrontier> {
  const probe = await TreeSnapshot.read(db, chain, headSeq > 0 ? rootNodes(headSeq) : [])
  if (probe.covered > headSeq)
    throw new LedgerError(
      'LEDGER_ROW_INVALID',
      `chain ${chain}: Merkle tree covers ${probe.covered} leaves, chain ${headSeq}`,
    )
  if (treeReaches(probe.covered, headSeq))
    return new MerkleFrontier(headSeq, headSeq > 0 ? await probe.readHashes(rootNodes(headSeq)) : [])
  let frontier = await frontierAt(db, chain, probe.covered)
  while (frontier.size < headSeq) {
    const rows = await db
      .selectFrom('ledger_entries')
      .select(['chain', 'seq', 'ts', 'type', sql<string>`body::text`.as('body'), 'prev', 'hash'])
      .where('chain', '=', chain)
      .where('seq', '>', String(frontier.size))
      .where('seq', '<=', String(headSeq))
      .orderBy('seq')
      .limit(BACKFILL_PAGE)
      .execute()
    const leaves = rows.map((raw, i) => toLeaf(chain, raw, frontier.size + i + 1))
    if (leaves.length === 0)
      throw new LedgerError('LEDGER_ROW_INVALID', `chain ${chain}: entry ${frontier.size + 1} is missing`)
    const grown = growTree(frontier, leaves)
    if (grown.nodes.length > 0) await insertNodesSql(chain, grown.nodes).execute(db)
    frontier = grown.frontier
  }
  return frontier
}

async function frontierAt(db: Db, chain: string, size: number): Promise<MerkleFrontier> {
  if (size === 0) return new MerkleFrontier()
  const edge = rootNodes(size)
  return new MerkleFrontier(size, await (await TreeSnapshot.read(db, chain, edge)).readHashes(edge))
}

function toLeaf(chain: string, raw: unknown, expected: number): Buffer {
  // Rows from the database are checked before they become leaves: a tree over a broken chain is refused.
  const row = parseStoredRow(raw)
  if (!row || row.seq !== expected)
    throw new LedgerError('LEDGER_ROW_INVALID', `chain ${chain}: entry ${expected} is missing or malformed`)
  return entryLeaf(row)
}
