import { once } from 'node:events'
import type { Command } from 'commander'
import {
  assertLedgerSchema,
  createLedger,
  type ExportFormat,
  exportLines,
  openDatabase,
} from '../../ledger/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from '../config.js'

interface ExportFlags extends DatabaseFlags {
  readonly chain?: string
  readonly fromSeq?: string
  readonly toSeq?: string
  readonly format: string
}

function seqFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^[1-9][0-9]{0,15}$/.test(value)) throw new CliExit(`${name} must be a positive integer, got ${value}`)
  return Number(value)
}

/**
 * `arbiter export [--chain] [--from-seq] [--to-seq] --format jsonl|csv`: streams entries to stdout
 * (JSONL: with each chain's checkpoints and an end line; see docs/ledger-format.md).
 */
export function registerExport(program: Command): void {
  addDatabaseOptions(
    program
      .command('export')
      .description('stream ledger entries to stdout as JSONL (entries, checkpoints, end line) or CSV')
      .option('--chain <id>', 'only this chain')
      .option('--from-seq <n>', 'first seq (inclusive)')
      .option('--to-seq <n>', 'last seq (inclusive)')
      .option('--format <format>', 'jsonl or csv', 'jsonl'),
  ).action(async (flags: ExportFlags) => {
    if (flags.format !== 'jsonl' && flags.format !== 'csv')
      throw new CliExit(`--format must be jsonl or csv, got ${flags.format}`)
    const fromSeq = seqFlag('--from-seq', flags.fromSeq)
    const toSeq = seqFlag('--to-seq', flags.toSeq)
    const handle = await openDatabase(configFromFlags(flags))
    try {
      await assertLedgerSchema(handle.db)
      const lines = exportLines(createLedger(handle.db), {
        format: flags.format as ExportFormat,
        ...(flags.chain ? { chain: flags.chain } : {}),
        ...(fromSeq !== undefined ? { fromSeq } : {}),
        ...(toSeq !== undefined ? { toSeq } : {}),
      })
      let chunk = ''
      try {
        for await (const line of lines) {
          chunk += `${line}\n`
          if (chunk.length >= 64 * 1024) {
            if (!process.stdout.write(chunk)) await once(process.stdout, 'drain')
            chunk = ''
          }
        }
      } finally {
        // On a failure too: what was exported is written (a JSONL export then lacks its end line, which
        // tells a verifier it is incomplete) and the error follows as one line.
        if (chunk) process.stdout.write(chunk)
      }
    } finally {
      await handle.close()
    }
  })
}
