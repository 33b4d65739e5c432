import type Anthropic from '@anthropic-ai/sdk'
import type { CallContext, Guard, Reason } from '../../guard/index.js'
import type { Logger } from '../../shared/index.js'

/** A custom tool the session's agent can call; it runs here, in this process, through the guard. */
export interface SessionCustomTool {
  readonly run: (input: Record<string, unknown>) => unknown | Promise<unknown>
  /** Name in policy when it differs from the tool's name in the agent definition. */
  readonly policyName?: string
}

/** A call the runtime let through (or blocked) on its own, where policy says otherwise. */
export interface ConflictReport {
  readonly eventId: string
  readonly decisionId: string
  readonly tool: string
  readonly kind: 'runtime_allowed_policy_denied' | 'runtime_denied_policy_allowed'
  readonly policyAction: string
  readonly reasons: readonly Reason[]
  readonly interrupted: boolean
}

/** One decision the session guard made or observed; for logs and demos. */
export interface SessionDecisionReport {
  readonly eventId: string
  readonly decisionId: string
  readonly tool: string
  /** How it reached the runtime: a confirmation sent, a custom tool run here, or observed after the fact. */
  readonly via: 'confirmation' | 'custom_tool' | 'observed'
  readonly verdict: 'allow' | 'deny'
  readonly reasons: readonly Reason[]
}

export interface SessionGuardOptions {
  readonly client: Pick<Anthropic, 'beta'>
  readonly guard: Guard
  readonly sessionId: string
  readonly agent: CallContext['agent']
  readonly principal: CallContext['principal']
  readonly context?: Record<string, unknown>
  readonly customTools?: Readonly<Record<string, SessionCustomTool>>
  /** Maps a vendor tool to its policy name. Default: MCP tools `server.tool`, others their own name. */
  readonly toolName?: (use: { name: string; kind: 'builtin' | 'mcp' | 'custom'; server?: string }) => string
  readonly onConflict?: (conflict: ConflictReport) => void | Promise<void>
  /** Send `user.interrupt` when the runtime ran something policy forbids. Default false. */
  readonly interruptOnConflict?: boolean
  readonly onDecision?: (decision: SessionDecisionReport) => void
  readonly reconnect?: { readonly initialMs?: number; readonly maxMs?: number; readonly maxAttempts?: number }
  /** How often a resumed approval wait re-reads the ledger. Default 500 ms. */
  readonly approvalPollMs?: number
  /**
   * How long an event another process decided (a second guard on this session, or a process that
   * stopped between deciding and answering) is left to that process before this one answers it, or
   * records its conflict, from the ledger. Default 30 000 ms; keep it above your slowest custom tool.
   */
  readonly takeoverMs?: number
  readonly logger?: Logger
}

export interface SessionGuardSummary {
  readonly decisions: number
  readonly confirmations: { readonly allow: number; readonly deny: number }
  readonly customToolResults: number
  readonly conflicts: number
  /** Outcome entries written: tool results the runtime reported, and custom tools run here. */
  readonly outcomes: number
  /** Answers the runtime refused (e.g. already answered in the vendor console), recorded as `runtime_event`s. */
  readonly rejectedAnswers: number
  readonly reconnects: number
  /** Tool events the guard refused to act on (malformed) or could not record (sent as denials). */
  readonly failures: number
}

export interface SessionGuard {
  /** Follows the session until its turn ends (idle, not `requires_action`) or it terminates. */
  run(): Promise<SessionGuardSummary>
  /** Stops following; `run` resolves with what was done so far. */
  stop(): void
}
