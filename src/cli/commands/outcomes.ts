import type { Command } from 'commander'
import { SkippedEntries } from '../../entries/index.js'
import { findUnknownOutcomes } from '../../guard/index.js'
import { createLedger, migrateToLatest, openDatabase } from '../../ledger/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from '../config.js'

/**
 * `arbiter outcomes --unknown [--chain <id>] [--json]`: decisions that let a tool run but have no
 * outcome entry; after a crash, the calls that may or may not have happened. Decision and outcome
 * entries whose body does not match its schema are counted and named on stderr (`warning: …`).
 */
export function registerOutcomes(program: Command): void {
  addDatabaseOptions(
    program
      .command('outcomes')
      .description('list decisions whose tool run has no recorded outcome (outcome_unknown)')
      .option('--unknown', 'list allowed decisions without an outcome entry')
      .option('--chain <id>', 'only this chain (default: all chains)')
      .option('--json', 'one JSON object per line'),
  ).action(async (options: DatabaseFlags & { unknown?: boolean; chain?: string; json?: boolean }) => {
    if (!options.unknown) throw new CliExit('outcomes: pass --unknown (the only listing so far)', 2)
    const database = await openDatabase(configFromFlags(options))
    try {
      await migrateToLatest(database.db)
      const ledger = createLedger(database.db, {})
      const skipped = new SkippedEntries()
      const unknown = await findUnknownOutcomes(ledger, {
        ...(options.chain ? { chain: options.chain } : {}),
        skipped,
      })
      for (const u of unknown) {
        process.stdout.write(
          options.json
            ? `${JSON.stringify(u)}\n`
            : `${u.chain}\t${u.seq}\t${u.ts}\t${u.decisionId}\t${u.tool}\t${u.principal ?? '-'}\n`,
        )
      }
      if (!options.json) process.stderr.write(`${unknown.length} decision(s) with unknown outcome\n`)
      if (skipped.count > 0) {
        process.stderr.write(
          `warning: ${skipped.count} decision/outcome entr${skipped.count === 1 ? 'y' : 'ies'} skipped: body does not match its schema\n`,
        )
        for (const error of skipped.first) process.stderr.write(`warning: ${error.message}\n`)
      }
    } finally {
      await database.close()
    }
  })
}
