import type { Generated, Kysely } from 'kysely'
import { toRfc3339Millis } from '../shared/index.js'
import { LedgerError } from './errors.js'
import type { LedgerDatabase } from './schema.js'

/** `ledger_cosignatures` (migration 0105) as Kysely sees it. */
export interface LedgerCosignaturesTable {
  id: Generated<string>
  chain: string
  tree_size: string | number
  root_hash: string
  note: string
  witness_name: string
  witness_key_id: string
  witness_vkey: string
  cosignature: string
  cosigned_at: string | number
  received_at: string
}

/** One stored cosignature: the checkpoint note it is on, and the witness's signature line. */
export interface StoredCosignature {
  readonly chain: string
  readonly treeSize: number
  /** Base64 root hash of the cosigned checkpoint. */
  readonly rootHash: string
  /** The signed checkpoint note (text and the log's signature line). */
  readonly note: string
  readonly witnessName: string
  /** The witness key id, 8 lowercase hex characters. */
  readonly witnessKeyId: string
  /** The witness's C2SP verifier key (as configured when the cosignature was received). */
  readonly witnessVkey: string
  /** The cosignature line, `— <name> <base64>`. */
  readonly cosignature: string
  /** The witness's timestamp, POSIX seconds. */
  readonly cosignedAt: number
}

type Db = Kysely<LedgerDatabase & { ledger_cosignatures: LedgerCosignaturesTable }>

function tables(db: Kysely<LedgerDatabase>): Db {
  return db.withTables<{ ledger_cosignatures: LedgerCosignaturesTable }>()
}

/**
 * Stores a cosignature (a repeat of the same witness, chain, size and root is ignored). The caller has
 * verified it; `arbiter verify --witness` verifies it again, never trusting this table.
 *
 * @throws {LedgerError} LEDGER_WRITE_FAILED when the database refuses it.
 * @example
 * await recordCosignature(db, cosig, new Date())
 */
export async function recordCosignature(
  db: Kysely<LedgerDatabase>,
  c: StoredCosignature,
  receivedAt: Date,
): Promise<void> {
  try {
    await tables(db)
      .insertInto('ledger_cosignatures')
      .values({
        chain: c.chain,
        tree_size: c.treeSize,
        root_hash: c.rootHash,
        note: c.note,
        witness_name: c.witnessName,
        witness_key_id: c.witnessKeyId,
        witness_vkey: c.witnessVkey,
        cosignature: c.cosignature,
        cosigned_at: c.cosignedAt,
        received_at: toRfc3339Millis(receivedAt),
      })
      .onConflict((oc) => oc.doNothing())
      .execute()
  } catch (error) {
    throw new LedgerError(
      'LEDGER_WRITE_FAILED',
      `cannot store a cosignature of ${c.chain}: ${String(error)}`,
      {
        cause: error,
      },
    )
  }
}

/**
 * Every stored cosignature of `chain`, smallest tree first (rows are untrusted: verify them).
 *
 * @example
 * const cosigs = await listCosignatures(db, 'default')
 */
export async function listCosignatures(
  db: Kysely<LedgerDatabase>,
  chain: string,
): Promise<StoredCosignature[]> {
  const rows = await tables(db)
    .selectFrom('ledger_cosignatures')
    .selectAll()
    .where('chain', '=', chain)
    .orderBy('tree_size')
    .orderBy('id')
    .execute()
  return rows.map(toStored)
}

/**
 * The stored cosignatures of `chain`'s tree of `treeSize` leaves, oldest first (rows are untrusted:
 * verify them). One checkpoint's worth, so serving the newest checkpoint does not read the whole table.
 *
 * @example
 * const rows = await cosignaturesOfSize(db, 'default', 1200)
 */
export async function cosignaturesOfSize(
  db: Kysely<LedgerDatabase>,
  chain: string,
  treeSize: number,
): Promise<StoredCosignature[]> {
  const rows = await tables(db)
    .selectFrom('ledger_cosignatures')
    .selectAll()
    .where('chain', '=', chain)
    .where('tree_size', '=', treeSize)
    .orderBy('id')
    .execute()
  return rows.map(toStored)
}

function toStored(r: Omit<LedgerCosignaturesTable, 'id' | 'received_at'>): StoredCosignature {
  return {
    chain: r.chain,
    treeSize: Number(r.tree_size),
    rootHash: r.root_hash,
    note: r.note,
    witnessName: r.witness_name,
    witnessKeyId: r.witness_key_id,
    witnessVkey: r.witness_vkey,
    cosignature: r.cosignature,
    cosignedAt: Number(r.cosigned_at),
  }
}

/**
 * The largest tree size `witness` has cosigned for `chain` according to this database, or null.
 *
 * @example
 * const old = (await lastCosignedSize(db, 'default', 'w1', '1a2b3c4d')) ?? 0
 */
export async function lastCosignedSize(
  db: Kysely<LedgerDatabase>,
  chain: string,
  witnessName: string,
  witnessKeyId: string,
): Promise<number | null> {
  const row = await tables(db)
    .selectFrom('ledger_cosignatures')
    .select((eb) => eb.fn.max('tree_size').as('size'))
    .where('chain', '=', chain)
    .where('witness_name', '=', witnessName)
    .where('witness_key_id', '=', witnessKeyId)
    .executeTakeFirst()
  return row?.size === null || row?.size === undefined ? null : Number(row.size)
}
