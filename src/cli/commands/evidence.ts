import type { Command } from 'commander'
import {
  assertLedgerSchema,
  collectEvidence,
  createLedger,
  MerkleTreeReader,
  openDatabase,
  writeEvidencePack,
} from '../../ledger/index.js'
import { toRfc3339Millis } from '../../shared/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from '../config.js'
import { resolveWitnessVerification } from '../witness-config.js'

interface EvidenceFlags extends DatabaseFlags {
  readonly chain: string
  readonly from: string
  readonly to: string
  readonly out: string
  readonly witness?: string[]
}

/** An RFC 3339 time flag, normalised to the ledger's `ts` form (milliseconds, Z). */
function timeFlag(name: string, value: string): string {
  // Attacker-free but user-typed: a bad date is a one-line usage error.
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(ms))
    throw new CliExit(
      `${name} must be an RFC 3339 time (2026-11-28T00:00:00Z), got ${JSON.stringify(value).slice(0, 60)}`,
      2,
    )
  return toRfc3339Millis(new Date(ms))
}

/**
 * `arbiter evidence --chain <id> --from <t> --to <t> --out pack.tar.gz [--witness <vkey> …]`: writes an
 * examiner's evidence pack (docs/ledger-format.md, "Evidence pack").
 */
export function registerEvidence(program: Command): void {
  addDatabaseOptions(
    program
      .command('evidence')
      .description(
        'write an evidence pack: entries of a period with inclusion proofs against a witnessed checkpoint',
      )
      .requiredOption('--chain <id>', 'the chain')
      .requiredOption('--from <t>', 'first entry time (RFC 3339, inclusive)')
      .requiredOption('--to <t>', 'last entry time (RFC 3339, inclusive)')
      .requiredOption('--out <file>', 'the pack to write (.tar.gz)')
      .option(
        '--witness <vkey>',
        'only count cosignatures by this witness (repeatable; default: every stored cosignature that verifies)',
        (value: string, all: string[] = []) => [...all, value],
      ),
  ).action(async (flags: EvidenceFlags) => {
    const from = timeFlag('--from', flags.from)
    const to = timeFlag('--to', flags.to)
    if (from > to) throw new CliExit(`--from ${from} is after --to ${to}`, 2)
    const { witnesses } = resolveWitnessVerification({ witness: flags.witness ?? [] })
    const handle = await openDatabase(configFromFlags(flags))
    try {
      await assertLedgerSchema(handle.db)
      const ledger = createLedger(handle.db)
      const rows = (await ledger.checkpoints(flags.chain)) as { public_key?: unknown }[]
      const logPublicKeys = rows.map((r) => r.public_key).filter((k): k is string => typeof k === 'string')
      const tree = new MerkleTreeReader(handle.db)
      const evidence = await collectEvidence(
        {
          db: handle.db,
          entries: (chain) => ledger.entries(chain),
          logPublicKeys,
          async proveInclusion(chain, index, size) {
            return (await tree.inclusion(chain, index + 1, size)).proof.map((h) => Buffer.from(h, 'hex'))
          },
        },
        {
          chain: flags.chain,
          from,
          to,
          now: new Date(),
          ...(witnesses.length ? { witnesses: witnesses.map((w) => w.key) } : {}),
        },
      )
      await writeEvidencePack(evidence, flags.out, new Date())
      const s = evidence.summary
      process.stdout.write(
        `evidence: ${flags.out}: ${s.chain} ${s.entries} entries (seq ${s.firstSeq}..${s.lastSeq}) in checkpoint ${s.treeSize} with ${s.cosignatures} cosignature(s)\n`,
      )
    } finally {
      await handle.close()
    }
  })
}
