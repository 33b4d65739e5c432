import {
  type CallContext,
  GuardError,
  type Reason,
  type RecordedDecision,
  reasonsForModel,
  type ToolCallInput,
} from '../../guard/index.js'
import { canonicalJson, describeError, silentLogger, ValidationError } from '../../shared/index.js'
import type { ClaudeAgentGuardOptions, ClaudeToolCall } from './claude-guard.types.js'
import type { ClaudePermissionResult } from './sdk-shapes.types.js'
import { deniesSession } from './stop-rules.js'

/** The decision of one call, or why there is none (the call must not run). */
export type Decided = { ok: true; recorded: RecordedDecision } | { ok: false; error: unknown }

/** A tool use id Arbiter has seen: its one decision (started once), and whether `canUseTool` let it run. */
export interface TrackedCall {
  readonly call: ClaudeToolCall
  /** Canonical JSON of the input decided on; undefined when it has none (the guard refuses it). */
  readonly inputText: string | undefined
  readonly decided: Promise<Decided>
  permitted: boolean
}

/**
 * Per-agent state of the adapter: one decision per tool use id, shared by the PreToolUse hook (which
 * normally starts it), `canUseTool` (which settles it) and the PostToolUse hooks (which link the
 * outcome). The Claude Code process lives and dies with this host process, so the map only ever holds
 * calls of sessions this process runs; the ledger's unique `event_id` keeps one decision per tool use
 * per chain across processes.
 */
export class ToolCalls {
  private readonly calls = new Map<string, TrackedCall>()
  private readonly logger

  constructor(private readonly options: ClaudeAgentGuardOptions) {
    this.logger = options.logger ?? silentLogger
  }

  /** The tracked call for this tool use id; the first caller starts its decision. */
  track(call: ClaudeToolCall): TrackedCall {
    const known = this.calls.get(call.toolUseId)
    if (known) return known
    const tracked: TrackedCall = {
      call,
      inputText: canonicalOrUndefined(call.input),
      decided: this.decide(call),
      permitted: false,
    }
    this.calls.set(call.toolUseId, tracked)
    return tracked
  }

  /** Drops a call that is settled for good (denied, or its outcome written). */
  forget(toolUseId: string): void {
    this.calls.delete(toolUseId)
  }

  /**
   * `canUseTool`'s answer for a call: allow (with the input decided on), deny with the policy's reasons,
   * or — for `require_approval` — file the request and wait for approvers (until `signal` aborts).
   */
  async permit(call: ClaudeToolCall, signal: AbortSignal): Promise<ClaudePermissionResult> {
    const tracked = this.track(call)
    const decided = await tracked.decided
    if (!decided.ok) return this.refuse(tracked, decided.error)
    const { recorded } = decided
    // Another hook may have rewritten the input after Arbiter decided: what would run is not what was
    // evaluated, so it does not run.
    const text = canonicalOrUndefined(call.input)
    if (text === undefined || text !== tracked.inputText) {
      this.forget(call.toolUseId)
      return {
        behavior: 'deny',
        message: reasonsForModel([
          { rule: 'arbiter.input_changed', message: 'the tool input changed after Arbiter decided on it' },
        ]),
      }
    }
    const { action, reasons } = recorded.decision
    if (action === 'allow') return this.allow(tracked, recorded)
    if (action === 'deny') return this.deny(call.toolUseId, reasons)
    try {
      const approvalId = await this.options.guard.requestApproval(recorded)
      const verdict = await this.options.guard.awaitApproval(recorded, approvalId, signal)
      if (verdict.kind === 'allow') return this.allow(tracked, recorded)
      return this.deny(call.toolUseId, verdict.reasons)
    } catch (error) {
      return this.refuse(tracked, error)
    }
  }

  private allow(tracked: TrackedCall, recorded: RecordedDecision): ClaudePermissionResult {
    tracked.permitted = true
    // The arguments as evaluated: the SDK runs exactly what policy saw.
    return { behavior: 'allow', updatedInput: { ...recorded.input.arguments } }
  }

  private deny(toolUseId: string, reasons: readonly Reason[]): ClaudePermissionResult {
    this.forget(toolUseId)
    const interrupt = (this.options.interrupt ?? deniesSession)(reasons)
    return { behavior: 'deny', message: reasonsForModel(reasons), ...(interrupt ? { interrupt: true } : {}) }
  }

  /**
   * No decision to act on. A malformed call is refused and the model told why; anything else (policy or
   * ledger failure, an identity that could not be resolved, an abandoned approval) ends the session:
   * the agent cannot go on unguarded.
   */
  private refuse(tracked: TrackedCall, error: unknown): ClaudePermissionResult {
    this.forget(tracked.call.toolUseId)
    if (error instanceof ValidationError)
      return {
        behavior: 'deny',
        message: `This tool call was refused by company policy (Arbiter) and did not run: ${error.message}`,
      }
    const code = error instanceof GuardError ? error.code : 'ERROR'
    this.logger.error(
      { toolUseId: tracked.call.toolUseId, tool: tracked.call.tool.name, code, err: describeError(error) },
      'claude agent tool call refused: Arbiter could not decide or record it',
    )
    return {
      behavior: 'deny',
      message: `Arbiter could not decide on or record this tool call (${code}); it did not run and the session stops.`,
      interrupt: true,
    }
  }

  private async decide(call: ClaudeToolCall): Promise<Decided> {
    try {
      const { context } = this.options
      const ctx = typeof context === 'function' ? await context(call) : context
      const recorded = await this.options.guard.decide(toToolCallInput(call, ctx), {
        eventId: call.toolUseId,
        callId: call.toolUseId,
      })
      this.options.onDecision?.({
        toolUseId: call.toolUseId,
        sdkName: call.sdkName,
        tool: call.tool.name,
        decisionId: recorded.decisionId,
        action: recorded.decision.action,
        reasons: recorded.decision.reasons,
      })
      return { ok: true, recorded }
    } catch (error) {
      return { ok: false, error }
    }
  }
}

/**
 * The guard's input for a call. The SDK's own facts go under `context.claude_agent_sdk` (the SDK tool
 * name, the subagent, the MCP server's configuration source), so policies may key trust on them.
 */
function toToolCallInput(call: ClaudeToolCall, ctx: CallContext): Record<string, unknown> {
  const sdk = {
    tool: call.sdkName,
    ...(call.agentId ? { agent_id: call.agentId } : {}),
    ...(call.mcpSource ? { mcp_source: call.mcpSource } : {}),
  }
  const input: Omit<ToolCallInput, 'arguments'> & { arguments: unknown } = {
    tool: call.tool,
    // Proposed by the model: the guard validates it (a JSON object, within size) before evaluating.
    arguments: call.input,
    agent: ctx.agent,
    principal: ctx.principal,
    session: ctx.session,
    context: { ...ctx.context, claude_agent_sdk: sdk },
  }
  return input
}

function canonicalOrUndefined(value: unknown): string | undefined {
  try {
    return canonicalJson(value)
  } catch {
    return undefined
  }
}
