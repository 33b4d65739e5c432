import { type Kysely, sql, type Transaction } from 'kysely'
import { GENESIS_PREV, type LedgerEntry, linkEntry } from '../../src/ledger/index.js'

const GUARDS: ReadonlyArray<readonly [string, string]> = [
  ['ledger_entries', 'ledger_entries_no_update_delete'],
  ['ledger_entries', 'ledger_entries_no_truncate'],
  ['ledger_checkpoints', 'ledger_checkpoints_no_update_delete'],
  ['ledger_checkpoints', 'ledger_checkpoints_no_truncate'],
  ['ledger_merkle', 'ledger_merkle_no_update_delete'],
  ['ledger_merkle', 'ledger_merkle_no_truncate'],
]

/**
 * Runs `edit` as the database superuser with the append-only triggers disabled (they are ENABLE
 * ALWAYS, so session_replication_role would not do), then re-enables them, all in one transaction:
 * the way an insider with full database access would rewrite history.
 */
export async function tamper(
  // biome-ignore lint/suspicious/noExplicitAny: raw statements against the fixed schema
  db: Kysely<any>,
  // biome-ignore lint/suspicious/noExplicitAny: see above
  edit: (trx: Transaction<any>) => Promise<void>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const [table, trigger] of GUARDS)
      await sql`alter table ${sql.table(table)} disable trigger ${sql.id(trigger)}`.execute(trx)
    await edit(trx)
    for (const [table, trigger] of GUARDS)
      await sql`alter table ${sql.table(table)} enable always trigger ${sql.id(trigger)}`.execute(trx)
  })
}

// biome-ignore lint/suspicious/noExplicitAny: see above
export async function insertRow(trx: Transaction<any>, entry: LedgerEntry): Promise<void> {
  await sql`insert into ledger_entries (chain, seq, ts, type, body, prev, hash) values
    (${entry.chain}, ${entry.seq}, ${entry.ts}, ${entry.type}, ${JSON.stringify(entry.body)}, ${entry.prev}, ${entry.hash})`.execute(
    trx,
  )
}

/** Re-links `entries` from `prev` with recomputed hashes (a forger who rewrites the rest of the chain). */
export function rechain(entries: readonly LedgerEntry[], prev = GENESIS_PREV): LedgerEntry[] {
  let last = prev
  return entries.map((entry) => {
    const next = linkEntry({
      chain: entry.chain,
      seq: entry.seq,
      ts: entry.ts,
      type: entry.type,
      body: entry.body,
      prev: last,
    })
    last = next.hash
    return next
  })
}
