import type { Command } from 'commander'
import { z } from 'zod'
import { createLogger } from '../../shared/index.js'
import {
  acquireDataDirLock,
  loadWitnessIdentity,
  logsByOrigin,
  parseWitnessedLog,
  startWitnessServer,
  WitnessStateFile,
} from '../../witness/index.js'
import { CliExit } from '../cli-exit.js'

const portSchema = z.coerce.number().int().min(0).max(65_535)

interface WitnessFlags {
  readonly port: string
  readonly host: string
  readonly dataDir: string
  readonly name: string
  readonly log: string[]
  readonly vkey?: boolean
}

/**
 * `arbiter witness`: an independent C2SP tlog-witness. Own key and state in `--data-dir` (never the
 * ledger's database); cosigns only the logs given with `--log`, each only under its own key. Runs
 * until SIGINT/SIGTERM; `--vkey` prints the witness's verifier key and exits.
 */
export function registerWitness(program: Command): void {
  program
    .command('witness')
    .description('run an independent transparency-log witness (C2SP tlog-witness add-checkpoint)')
    .option('--port <n>', 'port (0 picks a free one)', '7380')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--data-dir <dir>', "the witness's own key and state directory", './.arbiter-witness')
    .option('--name <name>', "the witness's key name (part of its verifier key)", 'arbiter-witness')
    .option(
      '--log <origin=vkey>',
      'a log to cosign: <origin>=<log verifier key>, or the vkey alone (origin = key name); repeatable',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--vkey', "print the witness's verifier key (C2SP, type 0x04) and exit")
    .action(async (flags: WitnessFlags) => {
      const identity = loadWitnessIdentity(flags.dataDir, flags.name)
      if (flags.vkey) {
        process.stdout.write(`${identity.publicKey.vkey}\n`)
        return
      }
      const port = portSchema.safeParse(flags.port)
      if (!port.success) throw new CliExit(`--port must be 0-65535, got ${JSON.stringify(flags.port)}`, 2)
      if (flags.log.length === 0)
        throw new CliExit('--log <origin>=<vkey> is required: which log(s) to cosign', 2)
      const logs = logsByOrigin(flags.log.map(parseWitnessedLog))
      const logger = createLogger({ level: process.env.ARBITER_LOG_LEVEL ?? 'info' })
      const release = acquireDataDirLock(flags.dataDir)
      try {
        const state = WitnessStateFile.open(flags.dataDir)
        const stopped = new Promise<void>((resolve) => {
          process.once('SIGINT', resolve)
          process.once('SIGTERM', resolve)
        })
        const ctx = { identity, logs, state, logger, now: () => Math.floor(Date.now() / 1000) }
        const running = await startWitnessServer(ctx, { port: port.data, host: flags.host })
        process.stdout.write(`arbiter: witness ${identity.publicKey.vkey} on ${running.url}\n`)
        await stopped
        await running.close()
      } finally {
        release()
      }
    })
}
