import type { Command } from 'commander'
import { z } from 'zod'
import { composeServer, createArbiter } from '../../app/index.js'
import { defaultLimits, parseTrustProxy, type TrustProxy } from '../../server/index.js'
import { createLogger } from '../../shared/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, type ConfigFlags, configFromFlags } from '../config.js'
import { addTrustOptions, resolveServeVerification, type TrustFlags } from '../trust-config.js'

const portSchema = z.coerce.number().int().min(0).max(65_535)
const rateLimitSchema = z.coerce.number().int().min(1).max(1_000_000)

interface ServeFlags extends ConfigFlags, TrustFlags {
  readonly port: string
  readonly host: string
  readonly chain: string
  readonly watch?: boolean
  readonly rateLimit: string
  readonly trustProxy?: string
}

/** `--trust-proxy` or `ARBITER_TRUST_PROXY` (default: no proxy is trusted). */
function resolveTrustProxy(flag: string | undefined): TrustProxy {
  const raw = flag ?? process.env.ARBITER_TRUST_PROXY
  if (raw === undefined || raw === '') return defaultLimits.trustProxy
  try {
    return parseTrustProxy(raw)
  } catch (error) {
    throw new CliExit(`--trust-proxy / ARBITER_TRUST_PROXY: ${(error as Error).message}`, 2)
  }
}

/**
 * `arbiter serve`: the decision API, audit API and compliance UI over the configured database and
 * bundle (`createArbiter` + `composeServer`, as an embedding application would), signing checkpoints on
 * the configured cadence. Runs until SIGINT/SIGTERM.
 */
export function registerServe(program: Command): void {
  addDatabaseOptions(
    addTrustOptions(program.command('serve'))
      .description('serve the decision API, audit API and compliance web UI')
      .option('--port <n>', 'port (0 picks a free one)', '8080')
      .option('--host <host>', 'interface to listen on', '127.0.0.1')
      .option('--bundle <path>', 'policy bundle (default $ARBITER_BUNDLE or build/bundle.tar.gz)')
      .option(
        '--shadow-bundle <path>',
        'candidate bundle evaluated next to the live one and recorded, never enforced (env ARBITER_SHADOW_BUNDLE)',
      )
      .option('--chain <id>', 'ledger chain the guard writes decisions to', 'default')
      .option('--watch', 'reload the policy bundle when the file changes')
      .option('--anchor-dir <dir>', 'also write checkpoints to this directory (env ARBITER_ANCHOR_DIR)')
      .option(
        '--witness-url <url=vkey>',
        'submit every checkpoint to this witness (C2SP tlog-witness); repeatable (env ARBITER_WITNESS_URLS)',
        (value: string, all: string[] = []) => [...all, value],
      )
      .option('--rate-limit <n>', 'requests per minute per API key', String(defaultLimits.rateLimit.limit))
      .option(
        '--trust-proxy <value>',
        'proxies allowed to set the client address: true, a hop count, or addresses/CIDRs (env ARBITER_TRUST_PROXY; default none)',
      ),
  ).action(async (flags: ServeFlags) => {
    const port = portSchema.safeParse(flags.port)
    if (!port.success) throw new CliExit(`--port must be 0-65535, got ${JSON.stringify(flags.port)}`, 2)
    const rateLimit = rateLimitSchema.safeParse(flags.rateLimit)
    if (!rateLimit.success)
      throw new CliExit(`--rate-limit must be a positive integer, got ${JSON.stringify(flags.rateLimit)}`, 2)
    const trustProxy = resolveTrustProxy(flags.trustProxy)
    const config = configFromFlags(flags)
    // Before any key is generated: PostgreSQL mode refuses generated keys unless it is a demo, and
    // verification pins the trusted keys.
    const verification = resolveServeVerification(flags, config, createLogger({ level: config.logLevel }))
    const arbiter = await createArbiter(config, {
      chain: flags.chain,
      watch: flags.watch ?? false,
      loadedBy: 'arbiter serve',
    })
    try {
      const { server } = composeServer(arbiter, {
        verification,
        limits: { rateLimit: { windowMs: 60_000, limit: rateLimit.data }, trustProxy },
      })
      // Handlers first: a supervisor may signal as soon as it reads the line below, and a signal with
      // no handler kills the process before the final checkpoint (signed by `arbiter.close()`).
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve)
        process.once('SIGTERM', resolve)
      })
      const listening = await server.listen({ port: port.data, host: flags.host })
      process.stdout.write(
        `arbiter: serving ${arbiter.database.kind} ledger on ${listening.url} (web UI at ${listening.url}/)\n`,
      )
      await stopped
      await listening.close()
    } finally {
      await arbiter.close()
    }
  })
}
