/**
 * Arbiter's public API, listed by hand: what embedding applications may rely on.
 *
 * @example
 * import { createArbiter, loadConfig } from 'arbiter'
 *
 * // The same environment the `arbiter` CLI reads (DATABASE_URL, ARBITER_DATA_DIR, ARBITER_BUNDLE, keys…).
 * const arbiter = await createArbiter(loadConfig(), { watch: true })
 * const transfer = arbiter.guard.wrap('payments.transfer', sendTransfer, { context })
 * await arbiter.close()
 */

export {
  type GuardedTool,
  type GuardedToolLoopOptions,
  type GuardedToolLoopResult,
  guardRunnableTool,
  runGuardedToolLoop,
} from './adapters/anthropic-messages/index.js'
export {
  CLAUDE_UNLISTED_TOOL_PREFIX,
  type ClaudeAgentGuard,
  ClaudeAgentGuardError,
  type ClaudeAgentGuardErrorCode,
  type ClaudeAgentGuardOptions,
  type ClaudeCanUseTool,
  type ClaudeConflictReport,
  type ClaudeDecisionReport,
  type ClaudeGuardHooks,
  type ClaudePermissionResult,
  type ClaudeToolCall,
  type ClaudeToolNameOptions,
  claudeToolToPolicyTool,
  createClaudeAgentGuard,
  DEFAULT_CLAUDE_TOOL_NAMES,
  type GuardedQueryOptions,
  isStopRule,
  unguardedClaudeOptions,
} from './adapters/claude-agent-sdk/index.js'
// Runtime adapters.
export { wrapTool } from './adapters/generic/index.js'
export {
  type ConflictReport,
  createSessionGuard,
  type SessionGuard,
  SessionGuardError,
  type SessionGuardOptions,
} from './adapters/managed-agents/index.js'
export {
  createMcpGateway,
  HIDDEN_TOOL_RULE,
  type McpGateway,
  McpGatewayError,
  type McpGatewayErrorCode,
  type McpGatewayOptions,
  type McpGatewaySession,
  type McpPrincipal,
  stdioUpstream,
  type ToolVisibility,
  upstreamEnvironment,
} from './adapters/mcp/index.js'
export {
  type AgentsRunState,
  type AgentToolMeta,
  type AgentToolOptions,
  type ApprovalState,
  createOpenAIAgentsGuard,
  type OpenAIAgentsGuard,
  type OpenAIAgentsGuardOptions,
} from './adapters/openai-agents/index.js'
export {
  type AiSdkApprovalRequest,
  type AiSdkGuard,
  type AiSdkGuardOptions,
  type AiSdkToolMeta,
  type AiSdkToolSet,
  type AnswerOptions,
  createAiSdkGuard,
} from './adapters/vercel-ai/index.js'
// Composition root: configuration shared with the CLI, keys, checkpointer, the wired Arbiter, the server.
export {
  type Arbiter,
  type ArbiterConfig,
  type ArbiterGuardOptions,
  type ComposedServer,
  type ComposeServerOptions,
  ConfigError,
  type ConfigErrorCode,
  type ConfigOverrides,
  type CreateArbiterOptions,
  composeServer,
  createArbiter,
  createCheckpointer,
  type LogLevel,
  loadConfig,
  resolveRedactionKey,
  resolveSigningKey,
} from './app/index.js'

// Entries: the typed bodies of ledger entries, one schema, type and builder per entry type.
export {
  type ApprovalBody,
  type ApprovalRefusedBody,
  type ApprovalRequestBody,
  approvalBodySchema,
  approvalRefusedBodySchema,
  approvalRequestBodySchema,
  type ConflictBody,
  conflictBodySchema,
  type DecisionBody,
  decisionBodySchema,
  decisionIdOf,
  type EntryBodies,
  EntryBodyError,
  type EntryErrorCode,
  entryBodySchemas,
  isKnownEntryType,
  type KnownEntry,
  type KnownEntryType,
  type OutcomeBody,
  outcomeBodySchema,
  type PolicyLoadedBody,
  parseEntry,
  parseEntryBody,
  policyLoadedBodySchema,
  readEntries,
  readEntry,
  SkippedEntries,
  safeParseEntryBody,
  type TypedEntry,
  toConflictBody,
  toPolicyLoadedBody,
} from './entries/index.js'
// Guard: the interceptor, approvals, outcome reconciliation.
export {
  type AdmissionLimits,
  type ApprovalDesk,
  ApprovalError,
  type ApprovalErrorCode,
  type Approver,
  admitToolCall,
  type CallContext,
  type Caller,
  createApprovalDesk,
  createFreeTextScrubber,
  createGuard,
  DEFAULT_ADMISSION_LIMITS,
  type FreeTextScrubber,
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
  type TrustedKey,
  trustedKeyFromPem,
  type VerifiableLedger,
  type VerifyChainOptions,
  verifiableChains,
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
  SAMPLE_BUNDLE_PATH,
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
  type KeyBinding,
  resolveCallIdentity,
  type ServerDeps,
} from './server/index.js'
// Shared kernel: errors, canonical JSON, clocks, the logger.
export {
  ArbiterError,
  CanonicalJsonError,
  type Clock,
  canonicalJson,
  createLogger,
  FixedClock,
  type IdFactory,
  type Logger,
  sha256Hex,
  silentLogger,
  systemClock,
  ValidationError,
} from './shared/index.js'
