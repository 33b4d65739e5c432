import type { CallContext, DecisionAction, Guard, Reason } from '../../guard/index.js'
import type { Logger } from '../../shared/index.js'
import type { ClaudeCanUseTool, ClaudeGuardHooks } from './sdk-shapes.types.js'
import type { ClaudeToolNameOptions, PolicyTool } from './tool-names.js'

/** One tool call the Claude Code process proposed, as the adapter sees it before deciding. */
export interface ClaudeToolCall {
  /** The SDK's tool name (`Write`, `mcp__bank__payments_transfer`). */
  readonly sdkName: string
  /** The policy tool it maps to. */
  readonly tool: PolicyTool
  readonly toolUseId: string
  /** The tool input the model proposed (untrusted; validated by the guard). */
  readonly input: unknown
  /** The SDK session id, when the call came through a hook. */
  readonly sessionId?: string
  /** Set when a subagent made the call. */
  readonly agentId?: string
  /** For MCP tools: where the server was configured (`sdk` = registered in-process by this host). */
  readonly mcpSource?: string
}

/** A decision recorded for a tool call; for logs, demos and cross-runtime comparisons. */
export interface ClaudeDecisionReport {
  readonly toolUseId: string
  readonly sdkName: string
  readonly tool: string
  readonly decisionId: string
  readonly action: DecisionAction
  readonly reasons: readonly Reason[]
}

/** A tool the Claude Code process ran although Arbiter had not allowed it (a permission path around `canUseTool`). */
export interface ClaudeConflictReport {
  readonly toolUseId: string
  readonly sdkName: string
  readonly tool: string
  readonly decisionId: string
  readonly policyAction: DecisionAction
  readonly reasons: readonly Reason[]
  /** Whether the session was told to stop (`continue: false`). */
  readonly interrupted: boolean
}

export interface ClaudeAgentGuardOptions extends ClaudeToolNameOptions {
  readonly guard: Guard
  /** The caller's identity: fixed, or resolved per call (it may read the call, not trust it). */
  readonly context: CallContext | ((call: ClaudeToolCall) => CallContext | Promise<CallContext>)
  /**
   * Whether a denial ends the session (`interrupt: true`). Default: when a reason carries a stop rule
   * (`isStopRule`: last segment `stop_…`). Failures to decide or record always end it.
   */
  readonly interrupt?: (reasons: readonly Reason[]) => boolean
  /** End the session when a tool ran that Arbiter had not allowed (see {@link ClaudeConflictReport}). Default true. */
  readonly interruptOnConflict?: boolean
  /** Seconds the Claude Code process waits for the PreToolUse hook (it decides and records). Default 60. */
  readonly hookTimeoutSeconds?: number
  readonly onDecision?: (report: ClaudeDecisionReport) => void
  readonly onConflict?: (report: ClaudeConflictReport) => void
  readonly logger?: Logger
}

/** The `canUseTool` callback and hooks of one guarded agent, and the helper that wires them safely. */
export interface ClaudeAgentGuard {
  /**
   * Settles each call: allow (with the input that was decided on), deny with the policy's reasons, or
   * wait for approvers first. Decides on its own when no PreToolUse hook did.
   */
  readonly canUseTool: ClaudeCanUseTool
  /**
   * `PreToolUse` decides and records, then answers `ask` so every call reaches `canUseTool`;
   * `PostToolUse` / `PostToolUseFailure` record the outcome, linked by `tool_use_id`.
   */
  readonly hooks: ClaudeGuardHooks
  /**
   * Returns `options` for `query()` with `canUseTool`, the hooks (ahead of any of the caller's), and the
   * settings under which no tool call bypasses Arbiter: `permissionMode: 'default'`,
   * `settingSources: []`.
   * @throws {ClaudeAgentGuardError} CLAUDE_AGENT_UNGUARDED_OPTION when `options` holds a setting that
   * would let calls past `canUseTool` or replace it (see docs/integrations.md).
   */
  queryOptions<O extends object>(options?: O): GuardedQueryOptions<O>
}

/** Options Arbiter sets or refuses; everything else passes through unchanged. */
type GuardedKeys = 'canUseTool' | 'hooks' | 'permissionMode' | 'settingSources'

type HooksOf<O> = O extends { hooks?: infer H } ? NonNullable<H> : unknown

/** `options` as {@link ClaudeAgentGuard.queryOptions} returns them; assignable to the SDK's `Options`. */
export type GuardedQueryOptions<O> = Omit<O, GuardedKeys> & {
  canUseTool: ClaudeCanUseTool
  hooks: HooksOf<O> & ClaudeGuardHooks
  permissionMode: 'default'
  settingSources: []
}
