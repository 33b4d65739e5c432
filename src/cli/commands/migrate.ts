import type { Command } from 'commander'
import { migrateToLatest, openDatabase } from '../../ledger/index.js'
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from '../config.js'

/** `arbiter migrate`: applies pending migrations (ledger tables, append-only triggers, roles, api keys). */
export function registerMigrate(program: Command): void {
  addDatabaseOptions(program.command('migrate').description('apply pending database migrations')).action(
    async (flags: DatabaseFlags) => {
      const handle = await openDatabase(configFromFlags(flags))
      try {
        const applied = await migrateToLatest(handle.db)
        process.stdout.write(
          applied.length > 0
            ? `migrated (${handle.kind}): ${applied.join(', ')}\n`
            : `up to date (${handle.kind})\n`,
        )
      } finally {
        await handle.close()
      }
    },
  )
}
