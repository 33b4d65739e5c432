import { type Kysely, sql } from 'kysely'
import { GENESIS_PREV } from '../../src/ledger/index.js'
import { isStoredLevel } from '../../src/ledger/merkle-layout.js'
import { insertNodesSql } from '../../src/ledger/merkle-store.js'
import { leafHash, MerkleFrontier, type StoredNode } from '../../src/ledger/tlog/index.js'
import { canonicalJson, sha256Hex } from '../../src/shared/index.js'
import { sampleDecisionBody, type UnhashedRow } from './rows.js'

const BATCH = 5_000
/** Batches in flight at once: Node hashes the next batch while PostgreSQL inserts earlier ones. */
const IN_FLIGHT = 3

/**
 * Writes a valid `n`-entry chain straight into `ledger_entries` (and its head), hashing every entry in
 * Node exactly as the v1 format says, in batched `INSERT … SELECT unnest(…)` statements. This is only
 * how the verification fixture is made fast; the verifier then reads it back like any other chain.
 * With `tree`, the chain's stored Merkle tree (table `ledger_merkle`, the rows the store would have
 * written) is generated alongside, as the proof benchmark needs.
 */
export async function generateChain(
  // biome-ignore lint/suspicious/noExplicitAny: writes the fixed schema directly, below Arbiter's typed store
  db: Kysely<any>,
  chain: string,
  n: number,
  options: { tree?: boolean } = {},
): Promise<void> {
  const frontier = options.tree ? new MerkleFrontier() : null
  let prev = GENESIS_PREV
  const inFlight = new Set<Promise<unknown>>()
  const base = Date.parse('2026-11-25T00:00:00.000Z')
  for (let start = 1; start <= n; start += BATCH) {
    const count = Math.min(BATCH, n - start + 1)
    const seqs: number[] = []
    const tss: string[] = []
    const bodies: string[] = []
    const prevs: string[] = []
    const hashes: string[] = []
    const nodes: StoredNode[] = []
    for (let k = 0; k < count; k++) {
      const seq = start + k
      const row: UnhashedRow = {
        v: 1,
        chain,
        seq,
        ts: new Date(base + seq).toISOString(),
        type: 'decision',
        body: sampleDecisionBody(seq),
        prev,
      }
      const text = canonicalJson(row)
      const hash = sha256Hex(text)
      if (frontier)
        for (const node of frontier.append(leafHash(Buffer.from(text, 'utf8'))))
          if (isStoredLevel(node.level)) nodes.push(node)
      seqs.push(seq)
      tss.push(row.ts)
      // Stored as Arbiter stores it: the canonical text.
      bodies.push(canonicalJson(row.body))
      prevs.push(prev)
      hashes.push(hash)
      prev = hash
    }
    // Rows of a batch are final once hashed, so batches may land in any order and in parallel.
    const insert = sql`INSERT INTO ledger_entries (chain, seq, ts, type, body, prev, hash)
      SELECT ${chain}, s, t, 'decision', b::json, p, h
      FROM unnest(${seqs}::bigint[], ${tss}::text[], ${bodies}::text[], ${prevs}::text[], ${hashes}::text[])
        AS u(s, t, b, p, h)`
      .execute(db)
      .finally(() => inFlight.delete(insert))
    inFlight.add(insert)
    if (nodes.length > 0) {
      const tree = insertNodesSql(chain, nodes)
        .execute(db)
        .finally(() => inFlight.delete(tree))
      inFlight.add(tree)
    }
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  await sql`INSERT INTO ledger_heads (chain, seq, hash) VALUES (${chain}, ${n}, ${prev})
    ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`.execute(db)
}

/**
 * Brings a freshly generated fixture to the state a table grown over months is in before anything is
 * timed: written out (CHECKPOINT), vacuumed (hint bits and visibility map set, so the first reader does
 * not pay for them) and analyzed. Without it, autovacuum's pass over the million-row burst runs during
 * the timed reads and takes one of the machine's two cores.
 */
// biome-ignore lint/suspicious/noExplicitAny: maintenance statements on the fixed schema
export async function settleFixture(db: Kysely<any>, kind: 'postgres' | 'pglite'): Promise<void> {
  if (kind === 'postgres') await sql`CHECKPOINT`.execute(db)
  await sql`VACUUM (ANALYZE) ledger_entries, ledger_merkle, ledger_heads`.execute(db)
}
