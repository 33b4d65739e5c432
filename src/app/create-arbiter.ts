import { thisProcess } from '../entries/index.js'
import { createGuard, type Guard, type GuardOptions } from '../guard/index.js'
import {
  assertLedgerSchema,
  type BundleArchive,
  createBundleArchive,
  createLedger,
  type DatabaseHandle,
  type KyselyLedgerStore,
  migrateToLatest,
  openDatabase,
} from '../ledger/index.js'
import {
  type CandidatePolicyEngine,
  loadCandidatePolicyEngine,
  loadPolicyEngine,
  type ReloadablePolicyEngine,
} from '../policy/index.js'
import {
  type Clock,
  createLogger,
  DEFAULT_BODY_LIMITS,
  type JsonLimits,
  type Logger,
  systemClock,
} from '../shared/index.js'
import { createCheckpointer } from './create-checkpointer.js'
import { resolveRedactionKey, resolveSigningKey } from './keys.js'
import type { ArbiterConfig } from './load-config.js'
import { createPolicyLoadRecorder } from './record-policy-loads.js'
import { createWitnessing } from './witnessing.js'

export interface CreateArbiterOptions {
  /** Ledger chain the guard writes to, e.g. one per tenant (default `default`). */
  readonly chain?: string
  /** Reload the policy bundle when its file changes (default false). */
  readonly watch?: boolean
  /**
   * Apply pending migrations on start (default true). Pass false when the application's database role
   * may only INSERT and SELECT (run `arbiter migrate` as the owner instead); the schema is then checked.
   */
  readonly migrate?: boolean
  /** Default: a pino logger on stderr at `config.logLevel`. */
  readonly logger?: Logger
  readonly clock?: Clock
  /** How the guard waits for approvers (see `GuardOptions.approvals`). */
  readonly approvals?: GuardOptions['approvals']
  /** Store full tool results in outcome entries (default: only their SHA-256). */
  readonly recordResults?: boolean
  /** The program named as `loaded_by.process` in `policy_loaded` entries (default `arbiter`). */
  readonly loadedBy?: string
}

/** Options for another guard on the same wiring: everything but the policy and the redaction key. */
export type ArbiterGuardOptions = Partial<Omit<GuardOptions, 'policy' | 'redactionKey'>>

/** Arbiter wired from one configuration: what a service needs to guard tool calls. */
export interface Arbiter {
  readonly config: ArbiterConfig
  /** The guard on `options.chain`. */
  readonly guard: Guard
  /** The ledger, signing checkpoints on the configured cadence. */
  readonly ledger: KyselyLedgerStore
  readonly policy: ReloadablePolicyEngine
  /**
   * The shadow (candidate) bundle from `config.shadowBundlePath`, evaluated by every guard of this
   * Arbiter next to `policy` and recorded, never enforced; null when none is configured. It may hold no
   * bundle (`loadError` says why): decisions then record that error and the live bundle keeps serving.
   */
  readonly shadowPolicy: CandidatePolicyEngine | null
  readonly database: DatabaseHandle
  /** Every policy bundle loaded into this database, by SHA-256 (`arbiter policy show`, replay). */
  readonly bundles: BundleArchive
  readonly logger: Logger
  /** Source of decision times and entry timestamps (`options.clock`, default the system clock). */
  readonly clock: Clock
  /** Another guard with this wiring (same policy, redaction key, logger, clock), e.g. for another chain. */
  createGuard(options?: ArbiterGuardOptions): Guard
  /**
   * Waits for queued appends, signs a final checkpoint of every chain (so a short run is covered too),
   * stops the bundle watcher and closes the database. Idempotent.
   */
  close(): Promise<void>
}

/**
 * Opens everything `config` describes: the database (migrated unless `migrate: false`), the policy
 * bundle (archived, with a `policy_loaded` entry on the guard's chain, at start and on every reload), a ledger with a checkpointer (signing key, cadence, anchor dir), the redaction key,
 * a logger, and a guard. The `arbiter` CLI builds itself with this, so a service and the CLI given the
 * same configuration agree on where the ledger is and how it is signed.
 *
 * @throws {PolicyError} when the bundle cannot be loaded.
 * @throws {LedgerError} LEDGER_UNAVAILABLE, LEDGER_MIGRATION_FAILED, LEDGER_NOT_MIGRATED or
 *   LEDGER_KEY_INVALID when the database or a key cannot be used.
 * @example
 * const arbiter = await createArbiter(loadConfig(), { watch: true })
 * const transfer = arbiter.guard.wrap('payments.transfer', sendTransfer, { context })
 * process.once('SIGTERM', () => void arbiter.close())
 */
export async function createArbiter(
  config: ArbiterConfig,
  options: CreateArbiterOptions = {},
): Promise<Arbiter> {
  const logger = options.logger ?? createLogger({ level: config.logLevel })
  const clock = options.clock ?? systemClock
  // Keys first: a bad key file fails before anything is opened.
  const redactionKey = resolveRedactionKey(config, logger)
  const signingKey = resolveSigningKey(config, logger)
  const database: DatabaseHandle = await openDatabase(config)
  try {
    if (options.migrate ?? true) await migrateToLatest(database.db)
    else await assertLedgerSchema(database.db)
  } catch (error) {
    await database.close()
    throw error
  }
  const witnessing = createWitnessing(database.db, { witnesses: config.witnesses, logger })
  const checkpointer = createCheckpointer(database.db, config, {
    logger,
    signingKey,
    clock,
    onSigned: witnessing.onSigned,
  })
  const ledger = createLedger(database.db, {
    checkpointer,
    clock,
    bodyLimits: bodyLimitsFor(config.admission),
  })
  const bundles = createBundleArchive(database.db, { clock })
  let policy: ReloadablePolicyEngine
  try {
    // Every bundle this process puts in force (at start and on each reload) is archived and its load
    // appended to the guard's chain first; a bundle whose load cannot be recorded is never used.
    policy = await loadPolicyEngine({
      bundlePath: config.bundlePath,
      watch: options.watch ?? false,
      logger,
      clock,
      ...config.evaluation,
      onLoad: createPolicyLoadRecorder({
        archive: bundles,
        ledger,
        chains: [options.chain ?? 'default'],
        loadedBy: thisProcess(options.loadedBy ?? 'arbiter'),
        logger,
      }),
    })
  } catch (error) {
    await ledger.close().catch(() => undefined)
    await database.close()
    throw error
  }
  // Hot-reloaded like the live bundle; a broken candidate is reported here and recorded per decision.
  let shadowPolicy: CandidatePolicyEngine | null = null
  try {
    shadowPolicy = config.shadowBundlePath
      ? await loadCandidatePolicyEngine({
          bundlePath: config.shadowBundlePath,
          watch: options.watch ?? false,
          logger,
          clock,
          ...config.evaluation,
        })
      : null
  } catch (error) {
    await policy.close()
    await ledger.close().catch(() => undefined)
    await database.close()
    throw error
  }
  const newGuard = (overrides: ArbiterGuardOptions = {}): Guard =>
    createGuard({
      logger,
      clock,
      admission: config.admission,
      ...(options.approvals ? { approvals: options.approvals } : {}),
      ...(options.recordResults !== undefined ? { recordResults: options.recordResults } : {}),
      ...(shadowPolicy ? { shadowPolicy } : {}),
      ...overrides,
      policy,
      redactionKey,
      ledger: overrides.ledger ?? ledger,
    })
  const guard = newGuard(options.chain ? { chain: options.chain } : {})
  logger.info(
    {
      database: database.kind,
      ...(database.dataDir ? { dataDir: database.dataDir } : {}),
      chain: guard.chain,
      bundle: policy.bundle.revision,
      ...(shadowPolicy ? { shadowBundle: shadowPolicy.bundle?.revision ?? null } : {}),
    },
    'arbiter ready',
  )

  let closing: Promise<void> | undefined
  // ledger.close() waits for queued appends and signs a final checkpoint of every chain (so a short
  // run is covered too, and a stopped server leaves a fresh checkpoint behind).
  const close = async (): Promise<void> => {
    await ledger.close()
    // The final checkpoints went to the witnesses: wait for their answers (each bounded by retries).
    await witnessing.flush()
    await policy.close()
    await shadowPolicy?.close()
    await database.close()
  }
  return {
    config,
    guard,
    ledger,
    policy,
    shadowPolicy,
    database,
    bundles,
    logger,
    clock,
    createGuard: newGuard,
    close: () => {
      closing ??= close()
      return closing
    },
  }
}

/**
 * Ledger body limits that hold any call the guard admits (the store writes with them, the readers show
 * bodies up to them): a decision body wraps the arguments two levels down (`input.arguments`) next to
 * the rest of the call and its reasons, so it gets a margin over the admission limits, never less than
 * the ledger's defaults. @internal
 */
export function bodyLimitsFor(admission: ArbiterConfig['admission']): JsonLimits {
  return {
    maxDepth: Math.max(DEFAULT_BODY_LIMITS.maxDepth, (admission.maxDepth ?? 0) + 16),
    maxNodes: Math.max(DEFAULT_BODY_LIMITS.maxNodes, 2 * (admission.maxNodes ?? 0) + 5_000),
  }
}
