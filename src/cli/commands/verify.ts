import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import {
  anchorChains,
  assertLedgerSchema,
  type ChainReport,
  createLedger,
  type KyselyLedgerStore,
  openDatabase,
  type TrustedKey,
  trustedKeyFromPem,
  verifyLedger,
} from '../../ledger/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, type ConfigFlags, configFromFlags } from '../config.js'

interface VerifyFlags extends ConfigFlags {
  readonly chain?: string
  readonly json?: boolean
  readonly deep?: boolean
  readonly trustedKey?: string[]
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

/** `arbiter verify [--chain] [--anchor-dir] [--json]`: exit 0 when every chain verifies, else 1. */
export function registerVerify(program: Command): void {
  addDatabaseOptions(
    program
      .command('verify')
      .description('recompute every hash and link and check signed checkpoints')
      .option('--chain <id>', 'only this chain')
      .option(
        '--anchor-dir <dir>',
        'also check checkpoints written to this directory (env ARBITER_ANCHOR_DIR)',
      )
      .option('--trusted-key <pem...>', 'require checkpoints signed by these public keys (PEM files)')
      .option('--deep', 'also prove every stored body is in RFC 8785 form (re-canonicalises; slower)')
      .option('--json', 'print a JSON report on stdout'),
  ).action(async (flags: VerifyFlags) => {
    const config = configFromFlags(flags)
    const { anchorDir } = config
    let trustedKeys: TrustedKey[] | undefined
    try {
      trustedKeys = flags.trustedKey?.map((path) => trustedKeyFromPem(readFileSync(path, 'utf8')))
    } catch (error) {
      throw new CliExit(`cannot read trusted key: ${error instanceof Error ? error.message : String(error)}`)
    }
    const handle = await openDatabase(config)
    try {
      await assertLedgerSchema(handle.db)
      const ledger = createLedger(handle.db)
      const heads = new Map((await ledger.listChains()).map((head) => [head.chain, head.seq]))
      const reports: ChainReport[] = []
      const chains = flags.chain ? [flags.chain] : (await verifyLedgerChains(ledger, anchorDir)).sort()
      for (const chain of chains) {
        const bar = progressBar(chain, heads.get(chain) ?? 0)
        const [report] = await verifyLedger(ledger, {
          chain,
          ...(anchorDir ? { anchorDir } : {}),
          ...(trustedKeys ? { trustedKeys } : {}),
          ...(flags.deep ? { deep: true } : {}),
          onProgress: bar.update,
        })
        bar.done()
        reports.push(report!)
        if (!flags.json) process.stdout.write(`${describe(report!)}\n`)
      }
      const ok = reports.every((r) => r.ok)
      if (flags.json) process.stdout.write(`${JSON.stringify({ ok, chains: reports }, null, 2)}\n`)
      else if (reports.length === 0) process.stdout.write('ok: no chains\n')
      if (!ok) process.exitCode = 1
    } finally {
      await handle.close()
    }
  })
}

async function verifyLedgerChains(
  ledger: KyselyLedgerStore,
  anchorDir: string | undefined,
): Promise<string[]> {
  return [...new Set([...(await ledger.knownChains()), ...(anchorDir ? anchorChains(anchorDir) : [])])]
}
