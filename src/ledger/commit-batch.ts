import { createHash } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import { entryCanonicalText } from './chain.js'
import { GENESIS_PREV, type LedgerEntry } from './ledger.types.js'
import { growTree, insertNodesSql, loadFrontier } from './merkle-store.js'
import type { LedgerDatabase } from './schema.js'
import type { MerkleFrontier } from './tlog/index.js'

/** One queued append: its canonical body text (what is hashed and stored) and the parsed body. */
export interface BatchItem {
  readonly type: string
  readonly body: Record<string, unknown>
  readonly bodyText: string
}

/** Where a chain ends: the head row's `seq` and `hash`. */
export interface HeadState {
  readonly seq: number
  readonly hash: string
}

/** Linked entries with their leaf bytes (the canonical text each `hash` is the SHA-256 of). */
interface Linked {
  readonly entries: LedgerEntry[]
  readonly leaves: Buffer[]
}

/** Links `items` after `head`: seq head+1…, each `prev` the hash before it, all with timestamp `ts`. */
function link(chain: string, items: readonly BatchItem[], head: HeadState, ts: string): Linked {
  let seq = head.seq
  let prev = head.hash
  const leaves: Buffer[] = []
  const entries = items.map((item) => {
    seq += 1
    const unhashed = { v: 1 as const, chain, seq, ts, type: item.type, body: item.body, prev }
    // One canonical text per entry serves both its hash and its Merkle leaf.
    const leaf = Buffer.from(entryCanonicalText(unhashed, item.bodyText), 'utf8')
    leaves.push(leaf)
    prev = createHash('sha256').update(leaf).digest('hex')
    return { ...unhashed, hash: prev }
  })
  return { entries, leaves }
}

/**
 * The locking commit: one transaction that (for a chain not seen before) creates the head row, locks
 * it `FOR UPDATE`, reads it, inserts the linked entries and moves the head. Safe whoever else writes
 * the chain; five statements. Returns the entries and the head it found.
 *
 * @internal
 */
export function commitLocked(
  db: Kysely<LedgerDatabase>,
  chain: string,
  items: readonly BatchItem[],
  ts: string,
  options: { createHead: boolean; tree: MerkleFrontier | null | false },
): Promise<{ entries: LedgerEntry[]; found: HeadState; tree: MerkleFrontier | null }> {
  return db.transaction().execute(async (trx) => {
    if (options.createHead) {
      await trx
        .insertInto('ledger_heads')
        .values({ chain, seq: 0, hash: GENESIS_PREV })
        .onConflict((oc) => oc.column('chain').doNothing())
        .execute()
    }
    const row = await trx
      .selectFrom('ledger_heads')
      .select(['seq', 'hash'])
      .where('chain', '=', chain)
      .forUpdate()
      .executeTakeFirstOrThrow()
    const found = { seq: Number(row.seq), hash: row.hash }
    const { entries, leaves } = link(chain, items, found, ts)
    // The tree grows in the same transaction: from the cached frontier when it is at this head, else
    // from the stored tree (backfilled from the entries when it lags).
    let tree: MerkleFrontier | null = null
    if (options.tree !== false) {
      const start =
        options.tree && options.tree.size === found.seq
          ? options.tree
          : await loadFrontier(trx, chain, found.seq)
      const grown = growTree(start, leaves)
      tree = grown.frontier
      if (grown.nodes.length > 0) await insertNodesSql(chain, grown.nodes).execute(trx)
    }
    await trx
      .insertInto('ledger_entries')
      .values(
        entries.map((entry, i) => ({
          chain,
          seq: entry.seq,
          ts: entry.ts,
          type: entry.type,
          body: items[i]!.bodyText,
          prev: entry.prev,
          hash: entry.hash,
        })),
      )
      .execute()
    const last = entries[entries.length - 1]!
    await trx
      .updateTable('ledger_heads')
      .set({ seq: last.seq, hash: last.hash })
      .where('chain', '=', chain)
      .execute()
    return { entries, found, tree }
  })
}

/**
 * The commit of a writer that knows where the chain ends (it wrote the last batch): one statement,
 * committed on its own (one round trip; durable when it resolves on PostgreSQL and, through the
 * driver, on PGlite), that locks the head row only if it still holds `head`, inserts the entries
 * linked after it and moves the head. When another process has moved the head meanwhile, the
 * statement writes nothing and null is returned (the caller takes the locking path). The head
 * trigger sees the new entries because the head update waits for all of them (`count(*)` reads the
 * insert to its end).
 *
 * @internal
 */
export async function commitOnHead(
  db: Kysely<LedgerDatabase>,
  chain: string,
  items: readonly BatchItem[],
  head: HeadState,
  ts: string,
  tree: MerkleFrontier | null,
): Promise<{ entries: LedgerEntry[]; tree: MerkleFrontier | null } | null> {
  const { entries, leaves } = link(chain, items, head, ts)
  const grown = tree ? growTree(tree, leaves) : null
  // The tree nodes (most batches of one complete none) are inserted by the same statement, under the
  // same head condition.
  const withNodes = grown !== null && grown.nodes.length > 0
  const nodes = withNodes
    ? sql`, tree as (${insertNodesSql(chain, grown.nodes, sql`exists (select 1 from head)`)} returning 1)`
    : sql``
  const nodeCount = withNodes ? sql` and (select count(*) from tree) = ${grown.nodes.length}` : sql``
  const last = entries[entries.length - 1]!
  const rows = entries.map(
    (e, i) => sql`(${String(e.seq)}, ${e.ts}, ${e.type}, ${items[i]!.bodyText}, ${e.prev}, ${e.hash})`,
  )
  const moved = await sql<{ seq: string }>`
    with head as (
      select 1 from ledger_heads
      where chain = ${chain} and seq = ${String(head.seq)} and hash = ${head.hash}
      for update
    ), added as (
      insert into ledger_entries (chain, seq, ts, type, body, prev, hash)
      select ${chain}, v.seq::bigint, v.ts, v.type, v.body::json, v.prev, v.hash
      from (values ${sql.join(rows)}) as v (seq, ts, type, body, prev, hash)
      where exists (select 1 from head)
      returning 1
    )${nodes}
    update ledger_heads set seq = ${String(last.seq)}, hash = ${last.hash}
    where chain = ${chain} and (select count(*) from added) = ${entries.length}${nodeCount}
    returning seq`.execute(db)
  // Nothing was written unless the head was ours: the insert and the update hang on the same lock.
  return moved.rows.length === 1 ? { entries, tree: grown?.frontier ?? null } : null
}
