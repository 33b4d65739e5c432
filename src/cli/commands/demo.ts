import type { Command } from 'commander'
import { createArbiter } from '../../app/index.js'
import { runDemoSessions, serveDemo } from '../../demo/index.js'
import type { Guard } from '../../guard/index.js'
import { type KyselyLedgerStore, type VerifyChainOptions, verifyLedger } from '../../ledger/index.js'
import { SAMPLE_BUNDLE_PATH } from '../../policy/index.js'
import { createLogger } from '../../shared/index.js'
import { addDatabaseOptions, type ConfigFlags, configFromFlags } from '../config.js'
import { resolveTrustedKeys } from '../trust-config.js'

/** The demo writes to its own chain so repeated runs and real traffic stay apart. */
export const DEMO_CHAIN = 'demo'

const print = (line: string) => process.stdout.write(`${line}\n`)

/**
 * Runs the scripted sessions through `guard`, then verifies every chain of `ledger` and prints the
 * result. Returns whether the ledger verified. The serve part of `arbiter demo` starts after this.
 */
export async function runDemoAndVerify(
  guard: Guard,
  ledger: KyselyLedgerStore,
  verification: VerifyChainOptions = {},
): Promise<boolean> {
  await runDemoSessions({ guard, print })
  print('')
  // Sign the head now, so the verification below also checks a checkpoint over this run.
  const checkpoint = await ledger.checkpointer?.checkpoint(guard.chain)
  if (checkpoint)
    print(`signed checkpoint: chain ${checkpoint.chain} seq ${checkpoint.seq} key ${checkpoint.key_id}`)
  const reports = await verifyLedger(ledger, verification)
  for (const r of reports)
    print(
      r.ok
        ? `ledger chain ${r.chain}: verified, ${r.entries} entries, ${r.checkpoints} signed checkpoints, head seq ${r.head?.seq ?? 0}`
        : `ledger chain ${r.chain}: BROKEN at seq ${r.failure?.seq} (${r.failure?.kind}): ${r.failure?.message}`,
    )
  return reports.every((r) => r.ok)
}

/**
 * `arbiter demo [--no-serve]`: scripted fintech and health sessions through the guard on the configured
 * database (no API key: an in-process stand-in plays the Anthropic API), then ledger verification, then
 * (unless `--no-serve`) the compliance UI over the same database. Without `--bundle` or
 * `ARBITER_BUNDLE` it runs the sample policies compiled into the package, so no OPA is needed.
 */
export function registerDemo(program: Command): void {
  addDatabaseOptions(
    program
      .command('demo')
      .description('run scripted agent sessions through the guard, then verify the ledger')
      .option('--no-serve', 'stop after the sessions and the verification')
      .option('--bundle <path>', 'policy bundle (default $ARBITER_BUNDLE or the shipped sample bundle)'),
  ).action(async (flags: ConfigFlags & { serve: boolean }) => {
    const config = configFromFlags(flags, { bundlePath: SAMPLE_BUNDLE_PATH, logLevel: 'warn' })
    // The demo is read by people: readable log lines, whatever stderr is.
    const logger = createLogger({ level: config.logLevel, human: true })
    // Same wiring as `serve` and an embedding service: signed checkpoints on the configured cadence.
    const arbiter = await createArbiter(config, {
      chain: DEMO_CHAIN,
      logger,
      approvals: { pollMs: 50 },
      loadedBy: 'arbiter demo',
    })
    try {
      print(
        `arbiter demo: ${arbiter.database.kind} database, policy bundle ${arbiter.policy.bundle.revision}`,
      )
      print('')
      // A demo trusts its own signing key (generated in the data dir); verification still pins it, so
      // a checkpoint signed by any other key fails, as in production with ARBITER_TRUSTED_KEYS.
      const verification = { trustedKeys: resolveTrustedKeys({ allowGeneratedKeys: true }, config).keys }
      const ok = await runDemoAndVerify(arbiter.guard, arbiter.ledger, verification)
      if (!ok) process.exitCode = 1
      // `--no-serve` stops here, for scripts and CI.
      if (flags.serve) await serveDemo(arbiter, print, verification)
    } finally {
      await arbiter.close()
    }
  })
}
