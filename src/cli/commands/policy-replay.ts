import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { z } from 'zod'
import {
  assertLedgerSchema,
  createBundleArchive,
  type DatabaseHandle,
  openDatabase,
} from '../../ledger/index.js'
import {
  archiveSource,
  databaseBatches,
  directorySource,
  exportBatches,
  failingKinds,
  firstOf,
  formatReport,
  loadCandidate,
  parseFailOn,
  REPORT_FORMATS,
  type RecordedBundleSource,
  type ReplayBatch,
  type ReplaySelection,
  type ReportFormat,
  runReplay,
  verifyExportFile,
} from '../../replay/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, type ConfigFlags, configFromFlags } from '../config.js'
import { resolveTrustedKeys, type TrustFlags } from '../trust-config.js'

interface ReplayFlags extends ConfigFlags, TrustFlags {
  readonly candidate: string
  readonly chain?: string
  readonly since?: string
  readonly until?: string
  readonly from?: string
  readonly to?: string
  readonly tool?: string
  readonly agent?: string
  readonly rule?: string
  readonly fromExport?: string
  readonly archive?: string
  readonly format: string
  readonly failOn?: string
  readonly workers?: string
  readonly examples: string
  readonly out?: string
}

const countSchema = z.coerce.number().int().min(1).max(1024)
const seqSchema = z
  .string()
  .regex(/^[0-9]{1,15}$/)
  .transform(Number)

function timeFlag(name: string, value: string): Date {
  const at = new Date(value)
  if (Number.isNaN(at.getTime()))
    throw new CliExit(
      `${name} must be an RFC 3339 time or a seq, got ${JSON.stringify(value).slice(0, 80)}`,
      2,
    )
  return at
}

/** `--from`/`--to`: a seq (digits) bounds the seq, anything else is a time like `--since`/`--until`. */
function selectionOf(flags: ReplayFlags): ReplaySelection {
  const bound = (name: string, value: string | undefined) => {
    if (value === undefined) return {}
    const seq = seqSchema.safeParse(value)
    return seq.success ? { seq: seq.data } : { time: timeFlag(name, value) }
  }
  const from = bound('--from', flags.from)
  const to = bound('--to', flags.to)
  const since = flags.since !== undefined ? timeFlag('--since', flags.since) : from.time
  // `--to` as a time is inclusive of nothing after it: the same half-open range as `--until`.
  const until = flags.until !== undefined ? timeFlag('--until', flags.until) : to.time
  return {
    ...(flags.chain !== undefined ? { chain: flags.chain } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(from.seq !== undefined ? { fromSeq: from.seq } : {}),
    ...(to.seq !== undefined ? { toSeq: to.seq } : {}),
    ...(flags.tool !== undefined ? { tool: flags.tool } : {}),
    ...(flags.agent !== undefined ? { agent: flags.agent } : {}),
    ...(flags.rule !== undefined ? { rule: flags.rule } : {}),
  }
}

/**
 * `arbiter policy replay --candidate <bundle.tar.gz | policies dir> …`: re-evaluates recorded
 * decisions under the bundle that made them and under the candidate, prints the impact report, and
 * exits 1 when `--fail-on` kinds were found (0 otherwise, 2 for bad usage).
 */
export function registerPolicyReplay(policy: Command): void {
  addDatabaseOptions(
    policy
      .command('replay')
      .description('replay recorded decisions against a candidate policy and report what would change')
      .requiredOption('--candidate <path>', 'candidate bundle.tar.gz, or a policies directory to build')
      .option('--chain <id>', 'only this chain')
      .option('--since <time>', 'only decisions at or after this RFC 3339 time')
      .option('--until <time>', 'only decisions before this RFC 3339 time')
      .option('--from <seq|time>', 'first seq (digits) or start time')
      .option('--to <seq|time>', 'last seq (digits) or end time (exclusive)')
      .option('--tool <name>', 'only calls of this tool')
      .option('--agent <id>', 'only calls by this agent')
      .option('--rule <id>', 'only decisions whose recorded reasons include this rule id')
      .option('--from-export <file>', 'read decisions from a JSONL export (its hash chain is verified first)')
      .option('--archive <dir>', 'recorded bundles as <sha256>.tar.gz files (with --from-export)')
      .option(
        '--trusted-key <pem>',
        'pin a checkpoint public key for the export (repeatable)',
        (v: string, p: string[] = []) => [...p, v],
      )
      .option('--format <format>', `report format: ${REPORT_FORMATS.join(', ')}`, 'text')
      .option('--fail-on <kinds>', 'exit 1 when changes of these kinds are found (comma-separated)')
      .option('--workers <n>', 'worker threads (default: available cores)')
      .option('--examples <n>', 'examples per change kind', '5')
      .option('--out <file>', 'also write the report to this file'),
  ).action(async (flags: ReplayFlags) => {
    if (!(REPORT_FORMATS as readonly string[]).includes(flags.format))
      throw new CliExit(
        `--format must be one of ${REPORT_FORMATS.join(', ')}, got ${JSON.stringify(flags.format).slice(0, 40)}`,
        2,
      )
    const failOn = flags.failOn !== undefined ? parseFailOnFlag(flags.failOn) : []
    const examples = countSchema.safeParse(flags.examples)
    if (!examples.success)
      throw new CliExit(`--examples must be 1-1024, got ${JSON.stringify(flags.examples)}`, 2)
    const workers = flags.workers === undefined ? undefined : countSchema.safeParse(flags.workers)
    if (workers && !workers.success)
      throw new CliExit(`--workers must be 1-1024, got ${JSON.stringify(flags.workers)}`, 2)
    if (flags.archive && !flags.fromExport)
      throw new CliExit('--archive needs --from-export (the database has its own archive)', 2)
    const selection = selectionOf(flags)
    const candidate = await loadCandidate(flags.candidate)
    // With an export, the database is opened only when named (it then serves archived bundles).
    const wantsDatabase = !flags.fromExport || flags.databaseUrl !== undefined || flags.dataDir !== undefined
    let handle: DatabaseHandle | undefined
    try {
      if (wantsDatabase) {
        handle = await openDatabase(configFromFlags(flags))
        await assertLedgerSchema(handle.db)
      }
      const sources: RecordedBundleSource[] = []
      if (flags.archive) sources.push(directorySource(flags.archive))
      if (handle) sources.push(archiveSource(createBundleArchive(handle.db)))
      let source: AsyncIterable<ReplayBatch>
      if (flags.fromExport) {
        const pinned = (flags.trustedKey?.length ?? 0) > 0 || Boolean(process.env.ARBITER_TRUSTED_KEYS)
        const trustedKeys = pinned ? resolveTrustedKeys(flags, configFromFlags(flags)).keys : undefined
        if (!pinned && flags.format === 'text')
          process.stderr.write(
            'arbiter: export checkpoints checked against the keys they carry (pin keys with --trusted-key)\n',
          )
        const verified = await verifyExportFile(flags.fromExport, trustedKeys ? { trustedKeys } : {})
        source = exportBatches(flags.fromExport, verified.sha256)
      } else source = databaseBatches(handle!.db, selection)
      const report = await runReplay({
        candidate,
        source,
        recordedBundle: firstOf(sources),
        selection,
        exampleLimit: examples.data,
        ...(workers?.success ? { workers: workers.data } : {}),
      })
      const rendered = formatReport(report, flags.format as ReportFormat)
      if (flags.out) writeFileSync(flags.out, rendered)
      process.stdout.write(rendered)
      const found = failingKinds(report, failOn)
      if (found.length > 0)
        throw new CliExit(`replay found ${found.map((k) => `${k} (${report.changes[k]})`).join(', ')}`, 1)
    } finally {
      await handle?.close()
    }
  })
}

function parseFailOnFlag(text: string) {
  try {
    return parseFailOn(text)
  } catch (error) {
    throw new CliExit((error as Error).message, 2)
  }
}
