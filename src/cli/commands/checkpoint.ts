import type { Command } from 'commander'
import { createCheckpointer, resolveSigningKey } from '../../app/index.js'
import { assertLedgerSchema, createLedger, openDatabase } from '../../ledger/index.js'
import { createLogger } from '../../shared/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, type ConfigFlags, configFromFlags } from '../config.js'
import { assertConfiguredKeys, type TrustFlags } from '../trust-config.js'

interface CheckpointFlags extends ConfigFlags, TrustFlags {
  readonly chain?: string
  readonly vkey?: boolean
}

/** `arbiter checkpoint [--chain] [--anchor-dir]`: signs the current head of each chain now. */
export function registerCheckpoint(program: Command): void {
  addDatabaseOptions(
    program
      .command('checkpoint')
      .description('sign a checkpoint of the current head of each chain (or one)')
      .option('--chain <id>', 'only this chain')
      .option('--vkey', "print the log's C2SP note verifier key (per chain) instead of signing")
      .option(
        '--anchor-dir <dir>',
        'also write each checkpoint as <dir>/<chain>/<seq>.json (env ARBITER_ANCHOR_DIR)',
      )
      .option(
        '--allow-generated-keys',
        'demo only: sign with a key generated in the data dir (env ARBITER_ALLOW_GENERATED_KEYS=1)',
      ),
  ).action(async (flags: CheckpointFlags) => {
    const config = configFromFlags(flags)
    // A checkpoint signed with a key generated on the spot proves nothing in production.
    assertConfiguredKeys(config, flags, ['ARBITER_SIGNING_KEY'])
    const logger = createLogger({ level: config.logLevel })
    // The key first: a bad key file fails before the database is opened.
    const signingKey = resolveSigningKey(config, logger)
    const handle = await openDatabase(config)
    try {
      await assertLedgerSchema(handle.db)
      const checkpointer = createCheckpointer(handle.db, config, { logger, signingKey })
      const chains = flags.chain
        ? [flags.chain]
        : (await createLedger(handle.db).listChains()).map((head) => head.chain)
      if (flags.vkey) {
        // One line per chain: each chain is its own log, origin and key name `<deployment>/<chain>`.
        for (const chain of chains.length > 0 ? chains : ['default'])
          process.stdout.write(`${checkpointer.verifierKey(chain)}\n`)
        return
      }
      if (chains.length === 0) throw new CliExit('no chain has entries yet; nothing to checkpoint')
      for (const chain of chains) {
        const cp = await checkpointer.checkpoint(chain)
        if (!cp) throw new CliExit(`chain ${chain} has no entries; nothing to checkpoint`)
        process.stdout.write(`checkpoint: ${cp.chain} seq ${cp.seq} hash ${cp.hash} key ${cp.key_id}\n`)
      }
    } finally {
      await handle.close()
    }
  })
}
