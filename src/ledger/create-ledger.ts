import type { Kysely } from 'kysely'
import { KyselyLedgerStore, type KyselyLedgerStoreOptions } from './kysely-store.js'
import type { LedgerDatabase } from './schema.js'

export type CreateLedgerOptions = KyselyLedgerStoreOptions

// Which database each ledger made here reads: verify uses it to read PostgreSQL rows directly.
const databases = new WeakMap<object, Kysely<LedgerDatabase>>()

/**
 * The database a ledger made by {@link createLedger} runs on; undefined for any other ledger.
 *
 * @internal
 * @example
 * const db = ledgerDatabase(ledger)
 */
export function ledgerDatabase(ledger: object): Kysely<LedgerDatabase> | undefined {
  return databases.get(ledger)
}

/**
 * Creates the ledger over an open (and migrated) database.
 *
 * @example
 * const { db } = await openDatabase({})
 * await migrateToLatest(db)
 * const ledger = createLedger(db)
 * await ledger.append({ chain: 'default', type: 'policy_loaded', body: { revision: 'r1', sha256: '…' } })
 */
export function createLedger(
  db: Kysely<LedgerDatabase>,
  options: CreateLedgerOptions = {},
): KyselyLedgerStore {
  const ledger = new KyselyLedgerStore(db, options)
  databases.set(ledger, db)
  return ledger
}
