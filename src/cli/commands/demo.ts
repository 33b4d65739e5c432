import type { Command } from 'commander'
import { runDemoSessions } from '../../demo/index.js'
import { createGuard, type Guard } from '../../guard/index.js'
import {
  createLedger,
  type KyselyLedgerStore,
  migrateToLatest,
  openDatabase,
  verifyLedger,
} from '../../ledger/index.js'
import { DEFAULT_BUNDLE_PATH, loadPolicyEngine } from '../../policy/index.js'
import { createLogger } from '../../shared/index.js'
import {
  addDatabaseOptions,
  type DatabaseFlags,
  resolveDatabaseConfig,
  resolveLedgerOptions,
  resolveRedactionKey,
} from '../config.js'
import { serveDemo } from './serve.js'

/** The demo writes to its own chain so repeated runs and real traffic stay apart. */
export const DEMO_CHAIN = 'demo'

const print = (line: string) => process.stdout.write(`${line}\n`)

/**
 * Runs the scripted sessions through `guard`, then verifies every chain of `ledger` and prints the
 * result. Returns whether the ledger verified. The serve part of `arbiter demo` starts after this.
 */
export async function runDemoAndVerify(guard: Guard, ledger: KyselyLedgerStore): Promise<boolean> {
  await runDemoSessions({ guard, print })
  print('')
  // Sign the head now, so the verification below also checks a checkpoint over this run.
  const checkpoint = await ledger.checkpointer?.checkpoint(guard.chain)
  if (checkpoint)
    print(`signed checkpoint: chain ${checkpoint.chain} seq ${checkpoint.seq} key ${checkpoint.key_id}`)
  const reports = await verifyLedger(ledger)
  for (const r of reports)
    print(
      r.ok
        ? `ledger chain ${r.chain}: verified, ${r.entries} entries, ${r.checkpoints} signed checkpoints, head seq ${r.head?.seq ?? 0}`
        : `ledger chain ${r.chain}: BROKEN at seq ${r.failure?.seq} (${r.failure?.kind}): ${r.failure?.message}`,
    )
  return reports.every((r) => r.ok)
}

/**
 * `arbiter demo [--no-serve]`: scripted fintech and health sessions through the guard on the embedded
 * database (no API key: an in-process stand-in plays the Anthropic API), then ledger verification,
 * then (unless `--no-serve`) the compliance UI over the same database (`serveDemo`, server part).
 */
export function registerDemo(program: Command): void {
  addDatabaseOptions(
    program
      .command('demo')
      .description('run scripted agent sessions through the guard, then verify the ledger')
      .option('--no-serve', 'stop after the sessions and the verification')
      .option('--bundle <path>', 'policy bundle (default $ARBITER_BUNDLE or build/bundle.tar.gz)'),
  ).action(async (flags: DatabaseFlags & { serve: boolean; bundle?: string }) => {
    // The demo is read by people: readable log lines, whatever stderr is.
    const logger = createLogger({ level: process.env.ARBITER_LOG_LEVEL ?? 'warn', human: true })
    const config = resolveDatabaseConfig(flags)
    const database = await openDatabase(config)
    const policy = await loadPolicyEngine({
      bundlePath: flags.bundle ?? process.env.ARBITER_BUNDLE ?? DEFAULT_BUNDLE_PATH,
      logger,
    })
    try {
      await migrateToLatest(database.db)
      // Same ledger wiring as `serve`: signed checkpoints (key generated on first use) on the cadence.
      const ledger = createLedger(database.db, resolveLedgerOptions(database.db, config, logger))
      const guardRedactionKey = resolveRedactionKey(config.dataDir, logger)
      const guard = createGuard({
        policy,
        ledger,
        chain: DEMO_CHAIN,
        redactionKey: guardRedactionKey,
        logger,
        approvals: { pollMs: 50 },
      })
      print(`arbiter demo: ${database.kind} database, policy bundle ${policy.bundle.revision}`)
      print('')
      const ok = await runDemoAndVerify(guard, ledger)
      if (!ok) process.exitCode = 1
      // Serve part (server helper): `--no-serve` stops here, for scripts and CI.
      if (flags.serve)
        await serveDemo({
          db: database.db,
          ledger,
          policy,
          redactionKey: guardRedactionKey,
          chain: DEMO_CHAIN,
          logger,
        })
    } finally {
      await policy.close()
      await database.close()
    }
  })
}
