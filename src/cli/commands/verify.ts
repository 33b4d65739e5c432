import type { Command } from 'commander'
import {
  assertLedgerSchema,
  type ChainReport,
  createLedger,
  openDatabase,
  verifiableChains,
  verifyChain,
} from '../../ledger/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, type ConfigFlags, configFromFlags } from '../config.js'
import {
  addExpectationOptions,
  addTrustOptions,
  type ExpectationFlags,
  resolveExpectations,
  resolveTrustedKeys,
  type TrustFlags,
} from '../trust-config.js'
import {
  addWitnessVerifyOptions,
  resolveWitnessVerification,
  type WitnessVerifyFlags,
} from '../witness-config.js'
import { type ChainWitnessReport, verifyAgainstWitnesses } from './verify-witnesses.js'

interface VerifyFlags extends ConfigFlags, TrustFlags, ExpectationFlags, WitnessVerifyFlags {
  readonly chain?: string
  readonly json?: boolean
  readonly deep?: boolean
}

/** A one-line progress bar on stderr, redrawn at most every 100 ms; only on a TTY. */
function progressBar(chain: string, total: number) {
  const stream = process.stderr
  if (!stream.isTTY) return { update: (_n: number) => undefined, done: () => undefined }
  let last = 0
  const draw = (n: number) => {
    const width = 30
    const ratio = total > 0 ? Math.min(1, n / total) : 1
    const filled = Math.round(ratio * width)
    stream.write(`\r${chain} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total}`)
  }
  return {
    update(n: number) {
      const now = Date.now()
      if (now - last < 100) return
      last = now
      draw(n)
    },
    done() {
      stream.write('\r\x1b[2K')
    },
  }
}

function describe(report: ChainReport): string {
  if (report.ok) return `ok: ${report.chain} ${report.entries} entries, head ${report.head?.hash ?? 'none'}`
  const f = report.failure!
  return `FAIL: ${report.chain} seq ${f.seq} ${f.kind}: ${f.message}`
}

function describeWitnessed(w: ChainWitnessReport, quorum: number): string {
  if (w.failure) return `FAIL: ${w.chain} ${w.failure.kind}: ${w.failure.message}`
  return `ok: ${w.chain} witnessed: ${w.cosigners.length} of ${quorum} required cosignatures, consistent with ${w.witnessedSize} cosigned entries`
}

/**
 * `arbiter verify`: exit 0 when every chain verifies, 1 when one does not, 2 for bad usage (an unknown
 * `--chain`, no pinned key outside a demo).
 */
export function registerVerify(program: Command): void {
  addDatabaseOptions(
    addWitnessVerifyOptions(addExpectationOptions(addTrustOptions(program.command('verify'))))
      .description('recompute every hash and link and check signed checkpoints against pinned keys')
      .option('--chain <id>', 'only this chain')
      .option(
        '--anchor-dir <dir>',
        'also check checkpoints written to this directory (env ARBITER_ANCHOR_DIR)',
      )
      .option('--deep', 'also prove every stored body is in RFC 8785 form (re-canonicalises; slower)')
      .option('--json', 'print a JSON report on stdout'),
  ).action(async (flags: VerifyFlags) => {
    const config = configFromFlags(flags)
    const { anchorDir } = config
    const trust = resolveTrustedKeys(flags, config)
    const { expectedChains, maxCheckpointAgeMs } = resolveExpectations(flags, config)
    const { witnesses, quorum } = resolveWitnessVerification(flags)
    const handle = await openDatabase(config)
    try {
      await assertLedgerSchema(handle.db)
      const ledger = createLedger(handle.db)
      const known = await verifiableChains(ledger, { expectedChains, ...(anchorDir ? { anchorDir } : {}) })
      if (flags.chain !== undefined && !known.includes(flags.chain))
        throw new CliExit(
          `no chain named ${JSON.stringify(flags.chain).slice(0, 140)} in the database, the anchor directory or the expected chains`,
          2,
        )
      if (trust.source === 'own-signing-key' && !flags.json)
        process.stderr.write(
          'arbiter: demo mode: trusting this deployment’s own signing key (pin keys with --trusted-key in production)\n',
        )
      const heads = new Map((await ledger.listChains()).map((head) => [head.chain, head.seq]))
      const reports: ChainReport[] = []
      for (const chain of flags.chain !== undefined ? [flags.chain] : known) {
        const bar = progressBar(chain, heads.get(chain) ?? 0)
        const report = await verifyChain(ledger, chain, {
          trustedKeys: trust.keys,
          expectedChains,
          maxCheckpointAgeMs,
          ...(anchorDir ? { anchorDir } : {}),
          ...(flags.deep ? { deep: true } : {}),
          onProgress: bar.update,
        })
        bar.done()
        reports.push(report)
        if (!flags.json) process.stdout.write(`${describe(report)}\n`)
      }
      let witnessed: ChainWitnessReport[] = []
      if (witnesses.length > 0) {
        witnessed = await verifyAgainstWitnesses({
          db: handle.db,
          entries: (chain) => ledger.entries(chain),
          chains: flags.chain !== undefined ? [flags.chain] : known,
          sizes: heads,
          trustedKeys: trust.keys,
          witnesses,
          quorum,
        })
        if (flags.chain !== undefined) witnessed = witnessed.filter((w) => w.chain === flags.chain)
        if (!flags.json) for (const w of witnessed) process.stdout.write(`${describeWitnessed(w, quorum)}\n`)
      }
      const ok = reports.every((r) => r.ok) && witnessed.every((w) => w.failure === null)
      if (flags.json)
        process.stdout.write(
          `${JSON.stringify({ ok, chains: reports, ...(witnesses.length > 0 ? { witnessed } : {}) }, null, 2)}\n`,
        )
      else if (reports.length === 0) process.stdout.write('ok: no chains\n')
      if (reports.some((r) => r.failure?.kind === 'stale_checkpoint') && !flags.json)
        process.stderr.write(
          'arbiter: a stale checkpoint means nothing signed the chain recently; if no server is running (an archived ledger), pass --max-checkpoint-age 0\n',
        )
      if (!ok) process.exitCode = 1
    } finally {
      await handle.close()
    }
  })
}
