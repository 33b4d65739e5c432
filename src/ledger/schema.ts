import type { ColumnType, Generated } from 'kysely'

/**
 * Tables of the ledger as Kysely sees them. `body` is PostgreSQL `json` (not `jsonb`): it keeps the
 * canonical text as written (the bytes that were hashed).
 * `ts` is the exact RFC 3339 string that was hashed.
 */
export interface LedgerEntriesTable {
  chain: string
  seq: ColumnType<string, number | string | bigint, never>
  ts: string
  type: string
  body: ColumnType<unknown, string, never>
  prev: string
  hash: string
}

export interface LedgerHeadsTable {
  chain: string
  seq: ColumnType<string, number | string | bigint, number | string | bigint>
  hash: string
}

export interface LedgerCheckpointsTable {
  id: Generated<string>
  chain: string
  seq: ColumnType<string, number | string | bigint, never>
  hash: string
  ts: string
  key_id: string
  sig: string
  public_key: string
  /** The checkpoint as a C2SP signed note (migration 0103); null before it. */
  note: ColumnType<string | null, string | null | undefined, never>
}

/** One complete subtree of a chain's Merkle tree (migration 0103). */
export interface LedgerMerkleTable {
  chain: string
  level: number
  idx: ColumnType<string, number | string | bigint, never>
  hash: ColumnType<Uint8Array, Uint8Array, never>
}

export interface LedgerDatabase {
  ledger_entries: LedgerEntriesTable
  ledger_heads: LedgerHeadsTable
  ledger_checkpoints: LedgerCheckpointsTable
  ledger_merkle: LedgerMerkleTable
}
