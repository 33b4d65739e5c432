import { type Kysely, type RawBuilder, sql } from 'kysely'
import { sha256Hex } from '../shared/index.js'
import { entryCanonicalText } from './chain.js'
import { LedgerError } from './errors.js'
import type { UnhashedEntry } from './ledger.types.js'
import { parseStoredRow } from './row.js'
import type { LedgerDatabase } from './schema.js'
import {
  type HashSource,
  leafHash,
  MerkleFrontier,
  type NodeId,
  rootNodes,
  type StoredNode,
  TlogError,
} from './tlog/index.js'

// The Merkle tree's storage (table ledger_merkle, migration 0103). Writers call these inside the
// transaction or statement that appends the entries, under the chain's head lock.

type Db = Kysely<LedgerDatabase>

/** Entries to add to the tree: each with the canonical body text that was hashed. */
export interface TreeLeaf {
  readonly entry: UnhashedEntry
  readonly bodyText: string
}

/**
 * The nodes `leaves` add after `frontier` (left untouched: the commit may fail) and the grown frontier.
 *
 * @internal
 */
export function growTree(
  frontier: MerkleFrontier,
  leaves: readonly TreeLeaf[],
): { frontier: MerkleFrontier; nodes: StoredNode[] } {
  const grown = new MerkleFrontier(frontier.size, frontier.hashes())
  const nodes: StoredNode[] = []
  for (const { entry, bodyText } of leaves)
    nodes.push(...grown.append(leafHash(Buffer.from(entryCanonicalText(entry, bodyText), 'utf8'))))
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
 * Number of leaves stored for a chain (one past the last level-0 node).
 *
 * @internal
 */
export async function storedTreeSize(db: Db, chain: string): Promise<number> {
  const row = await db
    .selectFrom('ledger_merkle')
    .select('idx')
    .where('chain', '=', chain)
    .where('level', '=', 0)
    .orderBy('idx', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row ? Number(row.idx) + 1 : 0
}

/**
 * Reads stored node hashes in request order: the {@link HashSource} of proofs and tiles.
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
    const json = JSON.stringify(nodes.map((n, o) => ({ o, l: n.level, i: n.index })))
    const { rows } = await sql<{ o: number; hash: Uint8Array }>`
      select t.o, m.hash from json_to_recordset(${json}::json) as t (o int, l smallint, i bigint)
      join ledger_merkle m on m.chain = ${this.chain} and m.level = t.l and m.idx = t.i`.execute(this.db)
    const out: Uint8Array[] = new Array(nodes.length)
    for (const row of rows) out[Number(row.o)] = row.hash
    nodes.forEach((n, i) => {
      if (!out[i])
        throw new TlogError(
          'TLOG_HASH_MISSING',
          `chain ${this.chain} stores no Merkle node (level ${n.level}, index ${n.index})`,
        )
    })
    return out
  }
}

const BACKFILL_PAGE = 5000

/**
 * The frontier of a chain whose head is at `headSeq`, read from the stored tree; when the tree is
 * behind (a chain written before migration 0103, or by an older version), the missing leaves are
 * read from the entries, checked against their hash, and their nodes stored, a page at a time.
 *
 * @throws {LedgerError} LEDGER_ROW_INVALID when an entry does not match its hash or the tree is
 *   longer than the chain.
 * @internal
 */
export async function loadFrontier(db: Db, chain: string, headSeq: number): Promise<MerkleFrontier> {
  const size = await storedTreeSize(db, chain)
  if (size > headSeq)
    throw new LedgerError(
      'LEDGER_ROW_INVALID',
      `chain ${chain}: Merkle tree has ${size} leaves, chain ${headSeq}`,
    )
  const edge = size > 0 ? await new KyselyHashSource(db, chain).readHashes(rootNodes(size)) : []
  let frontier = new MerkleFrontier(size, edge)
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
    await insertNodesSql(chain, grown.nodes).execute(db)
    frontier = grown.frontier
  }
  return frontier
}

function toLeaf(chain: string, raw: unknown, expected: number): TreeLeaf {
  // Rows from the database are checked before they become leaves: a tree over a broken chain is refused.
  const row = parseStoredRow(raw)
  if (!row || row.seq !== expected)
    throw new LedgerError('LEDGER_ROW_INVALID', `chain ${chain}: entry ${expected} is missing or malformed`)
  const entry: UnhashedEntry = {
    v: 1,
    chain,
    seq: row.seq,
    ts: row.ts,
    type: row.type,
    body: {},
    prev: row.prev,
  }
  if (sha256Hex(entryCanonicalText(entry, row.body)) !== row.hash)
    throw new LedgerError('LEDGER_ROW_INVALID', `chain ${chain}: entry ${row.seq} does not match its hash`)
  return { entry, bodyText: row.body }
}
