import type { Command } from 'commander'
import { type Kysely, sql } from 'kysely'
import { z } from 'zod'
import { createGuard, type Guard, type GuardOptions } from '../../guard/index.js'
import {
  createLedger,
  createLedgerQueries,
  type Ledger,
  type LedgerDatabase,
  migrateToLatest,
  openDatabase,
  type VerifyChainOptions,
  verifyChain,
} from '../../ledger/index.js'
import { DEFAULT_BUNDLE_PATH, loadPolicyEngine, type PolicyEngine } from '../../policy/index.js'
import {
  type ApiKeyStore,
  type ArbiterServer,
  type ChainVerification,
  createApiKeyStore,
  createServer,
  createServerMetrics,
  createVerificationLog,
  defaultLimits,
  type ServerLimits,
  type ServerMetrics,
} from '../../server/index.js'
import { type Clock, createLogger, type Logger, systemClock } from '../../shared/index.js'
import {
  addDatabaseOptions,
  type DatabaseFlags,
  resolveAdmissionLimits,
  resolveAnchorDir,
  resolveDatabaseConfig,
  resolveEvaluationBudget,
  resolveLedgerOptions,
  resolveRedactionKey,
} from '../config.js'
import { CliExit } from '../main.js'

/** Everything `composeServer` wires together; built by `arbiter serve` and `arbiter demo`. */
export interface ComposeServerOptions {
  readonly db: Kysely<LedgerDatabase>
  /** The ledger as opened; it is wrapped for metrics before the guard sees it. */
  readonly ledger: Ledger
  readonly policy: PolicyEngine
  readonly redactionKey: string
  readonly chain?: string
  readonly verify: (chain: string) => Promise<ChainVerification>
  readonly logger: Logger
  readonly clock?: Clock
  readonly limits?: Partial<ServerLimits>
  /** Admission limits for tool calls (depth, values, argument bytes); the guard's defaults otherwise. */
  readonly admission?: GuardOptions['admission']
}

export interface ComposedServer {
  readonly server: ArbiterServer
  readonly guard: Guard
  readonly keys: ApiKeyStore
  readonly metrics: ServerMetrics
}

/**
 * The composition root of the HTTP server: metrics wrap the ledger, the guard is built on the
 * wrapped ledger, and the server receives plain stores and functions.
 *
 * @example
 * const { server, keys } = composeServer({ db, ledger, policy, redactionKey, verify, logger })
 * const { url } = await server.listen({ port: 8080 })
 */
export function composeServer(options: ComposeServerOptions): ComposedServer {
  const clock = options.clock ?? systemClock
  const metrics = createServerMetrics()
  const ledger = metrics.instrumentLedger(options.ledger)
  const guard = createGuard({
    policy: options.policy,
    ledger,
    redactionKey: options.redactionKey,
    clock,
    logger: options.logger,
    // The guard owns approval waiting for in-process and HTTP callers alike.
    approvals: {
      timeoutMs: options.limits?.approvalTimeoutMs ?? defaultLimits.approvalTimeoutMs,
      pollMs: options.limits?.pollMs ?? defaultLimits.pollMs,
    },
    ...(options.chain ? { chain: options.chain } : {}),
    ...(options.admission ? { admission: options.admission } : {}),
  })
  const keys = createApiKeyStore(options.db, { clock })
  const server = createServer({
    guard,
    ledger,
    queries: createLedgerQueries(options.db),
    keys,
    verify: options.verify,
    verifications: createVerificationLog(options.db),
    metrics,
    ready: async () => ({
      database: await sql`select 1`
        .execute(options.db)
        .then(() => true)
        .catch(() => false),
      bundle: Boolean(options.policy.bundle?.sha256),
    }),
    logger: options.logger,
    clock,
    ...(options.limits ? { limits: options.limits } : {}),
  })
  return { server, guard, keys, metrics }
}

/**
 * Adapts the ledger's verifier to what the server records per chain (entries, head, first failure).
 *
 * @example
 * const verify = verifyChainFor(db, { anchorDir: './anchors' })
 * const { ok, message } = await verify('default')
 */
export function verifyChainFor(
  db: Kysely<LedgerDatabase>,
  options: VerifyChainOptions = {},
): (chain: string) => Promise<ChainVerification> {
  // A ledger of its own, unwrapped: verification reads rows and database checkpoints directly.
  const ledger = createLedger(db)
  return async (chain) => {
    const report = await verifyChain(ledger, chain, options)
    return {
      ok: report.ok,
      entries: report.entries,
      head: report.head,
      errorCode: report.failure ? report.failure.kind : null,
      message: report.failure
        ? `${report.failure.kind} at seq ${report.failure.seq}: ${report.failure.message}`
        : `verified ${report.entries} entries and ${report.checkpoints} signed checkpoints`,
    }
  }
}

const portSchema = z.coerce.number().int().min(0).max(65_535)
const rateLimitSchema = z.coerce.number().int().min(1).max(1_000_000)

interface ServeFlags extends DatabaseFlags {
  readonly port: string
  readonly host: string
  readonly bundle?: string
  readonly chain: string
  readonly watch?: boolean
  readonly anchorDir?: string
  readonly rateLimit: string
}

/**
 * `arbiter serve`: the decision API, audit API and compliance UI over the configured database and
 * bundle, signing checkpoints on the configured cadence. Runs until SIGINT/SIGTERM.
 */
export function registerServe(program: Command): void {
  addDatabaseOptions(
    program
      .command('serve')
      .description('serve the decision API, audit API and compliance web UI')
      .option('--port <n>', 'port (0 picks a free one)', '8080')
      .option('--host <host>', 'interface to listen on', '127.0.0.1')
      .option('--bundle <path>', 'policy bundle (default $ARBITER_BUNDLE or build/bundle.tar.gz)')
      .option('--chain <id>', 'ledger chain the guard writes decisions to', 'default')
      .option('--watch', 'reload the policy bundle when the file changes')
      .option('--anchor-dir <dir>', 'also write checkpoints to this directory (env ARBITER_ANCHOR_DIR)')
      .option('--rate-limit <n>', 'requests per minute per API key', '3000'),
  ).action(async (flags: ServeFlags) => {
    const port = portSchema.safeParse(flags.port)
    if (!port.success) throw new CliExit(`--port must be 0-65535, got ${JSON.stringify(flags.port)}`, 2)
    const rateLimit = rateLimitSchema.safeParse(flags.rateLimit)
    if (!rateLimit.success)
      throw new CliExit(`--rate-limit must be a positive integer, got ${JSON.stringify(flags.rateLimit)}`, 2)
    const logger = createLogger()
    const config = resolveDatabaseConfig(flags)
    const anchorDir = resolveAnchorDir(flags.anchorDir)
    const redactionKey = resolveRedactionKey(config.dataDir, logger)
    const admission = resolveAdmissionLimits()
    const policy = await loadPolicyEngine({
      bundlePath: flags.bundle ?? process.env.ARBITER_BUNDLE ?? DEFAULT_BUNDLE_PATH,
      watch: flags.watch ?? false,
      logger,
      ...resolveEvaluationBudget(),
    })
    const handle = await openDatabase(config)
    await migrateToLatest(handle.db)
    const ledger = createLedger(handle.db, resolveLedgerOptions(handle.db, config, logger, { anchorDir }))
    const { server } = composeServer({
      db: handle.db,
      ledger,
      policy,
      redactionKey,
      chain: flags.chain,
      verify: verifyChainFor(handle.db, anchorDir ? { anchorDir } : {}),
      logger,
      limits: { rateLimit: { windowMs: 60_000, limit: rateLimit.data } },
      admission,
    })
    const listening = await server.listen({ port: port.data, host: flags.host })
    process.stdout.write(
      `arbiter: serving ${handle.kind} ledger on ${listening.url} (web UI at ${listening.url}/)\n`,
    )
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await listening.close()
    await ledger.close()
    await policy.close()
    await handle.close()
  })
}

/** What `arbiter demo` prints after its sessions: where the UI is and keys to sign in with. */
export interface DemoServer {
  readonly url: string
  readonly auditorKey: string
  readonly approverKey: string
  /** Decision id of the transfer left waiting in the approval queue. */
  readonly pendingDecisionId: string
  close(): Promise<void>
}

async function listenWithFallback(server: ArbiterServer, port: number, host: string) {
  try {
    return await server.listen({ port, host })
  } catch (error) {
    // The demo must not fail because 8080 is taken: any free port will do.
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error
    return server.listen({ port: 0, host })
  }
}

/**
 * Starts the server for `arbiter demo` on the demo's database: creates an auditor and an approver key
 * (roles covering every approval rule of the bundled policies) and files one transfer over HTTP that
 * waits in the approval queue, so the web UI has something to approve.
 *
 * @example
 * const demo = await startDemoServer({ db, ledger, policy, redactionKey, chain: 'demo', logger })
 * console.log(demo.url, demo.auditorKey, demo.approverKey)
 */
export async function startDemoServer(options: {
  readonly db: Kysely<LedgerDatabase>
  readonly ledger: Ledger
  readonly policy: PolicyEngine
  readonly redactionKey: string
  readonly chain: string
  readonly logger: Logger
  readonly port?: number
  readonly host?: string
}): Promise<DemoServer> {
  const { server, keys } = composeServer({
    db: options.db,
    ledger: options.ledger,
    policy: options.policy,
    redactionKey: options.redactionKey,
    chain: options.chain,
    verify: verifyChainFor(options.db),
    logger: options.logger,
    // Long enough for a person to find the request in the UI.
    limits: { approvalTimeoutMs: 60 * 60_000 },
  })
  const auditor = await keys.create({
    role: 'auditor',
    name: 'demo auditor',
    principalId: 'demo-auditor',
    roles: ['internal_audit'],
  })
  const approver = await keys.create({
    role: 'approver',
    name: 'demo officer',
    principalId: 'officer-demo',
    roles: ['payments_officer', 'treasury_manager', 'compliance_officer', 'privacy_officer'],
  })
  const agent = await keys.create({ role: 'agent', name: 'demo agent', principalId: 'fin-assistant' })
  const listening = await listenWithFallback(server, options.port ?? 8080, options.host ?? '127.0.0.1')
  const response = await fetch(`${listening.url}/v1/decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      tool: { name: 'payments.transfer', kind: 'client' },
      arguments: {
        amount: 18_500,
        currency: 'USD',
        from_account: '4401778812',
        to_account: '7730019921',
        counterparty: 'Nordwind Logistics GmbH',
      },
      agent: { id: 'fin-assistant', runtime: 'http-sidecar' },
      principal: { id: 'emp-204', roles: ['payments_officer'], tenant: 'acme' },
      session: { id: 'demo-http-1' },
    }),
  })
  const pending = (await response.json()) as { decision_id?: string }
  await keys.revoke(agent.info.keyId)
  return {
    url: listening.url,
    auditorKey: auditor.key,
    approverKey: approver.key,
    pendingDecisionId: String(pending.decision_id ?? ''),
    close: () => listening.close(),
  }
}

/**
 * The serve part of `arbiter demo`: starts the demo server, prints the URL and keys, and runs until
 * SIGINT/SIGTERM.
 */
export async function serveDemo(options: Parameters<typeof startDemoServer>[0]): Promise<void> {
  const demo = await startDemoServer(options)
  const print = (line: string) => process.stdout.write(`${line}\n`)
  print('')
  print(`compliance web UI: ${demo.url}/`)
  print(`  auditor key (read only):  ${demo.auditorKey}`)
  print(`  approver key (officer-demo): ${demo.approverKey}`)
  print('  a transfer of 18,500 USD for emp-204 is waiting in the Approvals tab')
  print('  keys are shown once; press Ctrl+C to stop')
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await demo.close()
}
