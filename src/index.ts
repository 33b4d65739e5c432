/**
 * Arbiter's public API, listed by hand: what embedding applications may rely on.
 *
 * @example
 * import { createGuard, createLedger, loadPolicyEngine, migrateToLatest, openDatabase } from 'arbiter'
 *
 * const policy = await loadPolicyEngine({ bundlePath: 'build/bundle.tar.gz', watch: true })
 * const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL })
 * await migrateToLatest(database.db)
 * const ledger = createLedger(database.db)
 * const guard = createGuard({ policy, ledger, redactionKey })
 * const transfer = guard.wrap('payments.transfer', sendTransfer, { context })
 */

export {
  type GuardedTool,
  type GuardedToolLoopOptions,
  type GuardedToolLoopResult,
  guardRunnableTool,
  runGuardedToolLoop,
} from './adapters/anthropic-messages/index.js'
// Runtime adapters.
export { wrapTool } from './adapters/generic/index.js'
export {
  type ConflictReport,
  createSessionGuard,
  type SessionGuard,
  SessionGuardError,
  type SessionGuardOptions,
} from './adapters/managed-agents/index.js'

// Guard: the interceptor, approvals, outcome reconciliation.
export {
  type AdmissionLimits,
  type ApprovalDesk,
  ApprovalError,
  type ApprovalErrorCode,
  type Approver,
  admitToolCall,
  type CallContext,
  createApprovalDesk,
  createGuard,
  DEFAULT_ADMISSION_LIMITS,
  findUnknownOutcomes,
  type Guard,
  GuardError,
  type GuardErrorCode,
  type GuardOptions,
  type GuardVerdict,
  type PendingApproval,
  ToolDeniedError,
  type WrapMeta,
} from './guard/index.js'
// Ledger: storage, the hash chain, checkpoints, verification, export, redaction.
export {
  type AppendRequest,
  type ChainHead,
  type ChainReport,
  type Checkpoint,
  Checkpointer,
  type CheckpointerOptions,
  type CreateLedgerOptions,
  createLedger,
  createLedgerQueries,
  type DatabaseHandle,
  exportLines,
  GENESIS_PREV,
  hashEntry,
  type Ledger,
  type LedgerEntry,
  LedgerError,
  type LedgerErrorCode,
  type LedgerQueries,
  migrateToLatest,
  type OpenDatabaseOptions,
  openDatabase,
  redactArguments,
  redactionMatches,
  verifyChain,
  verifyEntries,
  verifyLedger,
} from './ledger/index.js'
// Policy: contract types, bundle building and the in-process OPA-WASM engine.
export {
  ARBITER_RULES,
  type BuiltBundle,
  type BundleInfo,
  buildBundle,
  DEFAULT_EVALUATION_TIMEOUT_MS,
  type Decision,
  type DecisionAction,
  decisionSchema,
  type LoadPolicyEngineOptions,
  loadPolicyEngine,
  type PolicyEngine,
  PolicyError,
  type PolicyErrorCode,
  type PolicyEvaluation,
  parseToolCallInput,
  type Reason,
  type ReloadablePolicyEngine,
  type ReloadEvent,
  type ToolCallInput,
  testPolicies,
  toolCallInputSchema,
} from './policy/index.js'
// HTTP server (decision sidecar, compliance API and UI).
export {
  type ApiKeyStore,
  type ArbiterServer,
  buildOpenApiDocument,
  createApiKeyStore,
  createServer,
  createServerMetrics,
  type ServerDeps,
} from './server/index.js'
// Shared kernel: errors, canonical JSON, clocks.
export {
  ArbiterError,
  CanonicalJsonError,
  type Clock,
  canonicalJson,
  FixedClock,
  type IdFactory,
  sha256Hex,
  systemClock,
  ValidationError,
} from './shared/index.js'
