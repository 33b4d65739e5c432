import type { Kysely } from 'kysely'
import { KyselyLedgerStore, type KyselyLedgerStoreOptions } from './kysely-store.js'
import type { LedgerDatabase } from './schema.js'

export type CreateLedgerOptions = KyselyLedgerStoreOptions

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
  return new KyselyLedgerStore(db, options)
}
