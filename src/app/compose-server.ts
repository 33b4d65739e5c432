import { sql } from 'kysely'
import type { Guard } from '../guard/index.js'
import {
  createLedgerQueries,
  MerkleTreeReader,
  overviewReport,
  rolloutReport,
  type VerifyChainOptions,
  verifiableChains,
  withStoredCosignatures,
} from '../ledger/index.js'
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
} from '../server/index.js'
import { type Arbiter, bodyLimitsFor } from './create-arbiter.js'
import { verifyChainFor } from './verify-chain-for.js'

/** The parts of an {@link Arbiter} the server is built on. */
export type ServerParts = Pick<
  Arbiter,
  'config' | 'database' | 'ledger' | 'policy' | 'logger' | 'clock' | 'guard' | 'createGuard'
> &
  Partial<Pick<Arbiter, 'bundles' | 'shadowPolicy'>>

export interface ComposeServerOptions {
  /** Chain the server's guard writes HTTP decisions to (default: the chain of `arbiter.guard`). */
  readonly chain?: string
  /**
   * What verification trusts and expects (pinned keys, expected chains, checkpoint age); the anchor
   * dir defaults to the configured one. Without it, checkpoints are checked against the keys they carry.
   */
  readonly verification?: VerifyChainOptions
  /** Run and recorded by `POST /v1/chains/:chain/verify`; default `verifyChainFor` with `verification`. */
  readonly verify?: (chain: string) => Promise<ChainVerification>
  readonly limits?: Partial<ServerLimits>
}

export interface ComposedServer {
  readonly server: ArbiterServer
  /** The server's guard: the Arbiter's wiring over the metrics-instrumented ledger. */
  readonly guard: Guard
  readonly keys: ApiKeyStore
  readonly metrics: ServerMetrics
}

/**
 * The composition root of the HTTP server (what `arbiter serve` runs): metrics wrap the ledger, a
 * guard with the Arbiter's wiring is built on the wrapped ledger, and the server receives plain stores
 * and functions. Call `server.listen` to serve, or mount `server.app` in an application of your own.
 *
 * @example
 * const arbiter = await createArbiter(loadConfig())
 * const { server, keys } = composeServer(arbiter, { limits: { rateLimit: { windowMs: 60_000, limit: 600 } } })
 * const { url, close } = await server.listen({ port: 8080 })
 */
export function composeServer(arbiter: ServerParts, options: ComposeServerOptions = {}): ComposedServer {
  const { database, logger, clock, policy } = arbiter
  const metrics = createServerMetrics()
  const ledger = metrics.instrumentLedger(arbiter.ledger)
  const guard = arbiter.createGuard({
    ledger,
    chain: options.chain ?? arbiter.guard.chain,
    // The guard owns approval waiting for in-process and HTTP callers alike.
    approvals: {
      timeoutMs: options.limits?.approvalTimeoutMs ?? defaultLimits.approvalTimeoutMs,
      pollMs: options.limits?.pollMs ?? defaultLimits.pollMs,
    },
  })
  const anchorDir = arbiter.config.anchorDir
  const verification: VerifyChainOptions = {
    ...(anchorDir ? { anchorDir } : {}),
    ...options.verification,
  }
  const keys = createApiKeyStore(database.db, { clock })
  const server = createServer({
    guard,
    ledger,
    queries: createLedgerQueries(database.db, { bodyLimits: bodyLimitsFor(arbiter.config.admission) }),
    keys,
    ...(arbiter.bundles ? { bundles: arbiter.bundles } : {}),
    insights: {
      rollout: (filter) => rolloutReport(database.db, filter),
      overview: (filter) => overviewReport(database.db, filter),
      shadow: () => {
        const shadow = arbiter.shadowPolicy
        if (!shadow) return { configured: false, bundle: null, error: null }
        const bundle = shadow.bundle
        return {
          configured: true,
          bundle: bundle ? { revision: bundle.revision, sha256: bundle.sha256 } : null,
          error: shadow.loadError?.message ?? null,
        }
      },
    },
    verify: options.verify ?? verifyChainFor(database.db, verification),
    verifiableChains: () => verifiableChains(arbiter.ledger, verification),
    verifications: createVerificationLog(database.db),
    tree: new MerkleTreeReader(database.db),
    cosignedNote: (chain, note) => withStoredCosignatures(database.db, chain, note),
    metrics,
    ready: async () => ({
      database: await sql`select 1`
        .execute(database.db)
        .then(() => true)
        .catch(() => false),
      bundle: Boolean(policy.bundle?.sha256),
    }),
    logger,
    clock,
    ...(options.limits ? { limits: options.limits } : {}),
  })
  return { server, guard, keys, metrics }
}
