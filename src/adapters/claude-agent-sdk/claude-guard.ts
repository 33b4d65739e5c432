import type { DecisionAction } from '../../guard/index.js'
import { describeError, silentLogger } from '../../shared/index.js'
import type {
  ClaudeAgentGuard,
  ClaudeAgentGuardOptions,
  ClaudeToolCall,
  GuardedQueryOptions,
} from './claude-guard.types.js'
import {
  type PreToolUseInput,
  parsePostToolUse,
  parsePostToolUseFailure,
  parsePreToolUse,
} from './hook-input.js'
import { recordRun } from './outcomes.js'
import { withGuard } from './query-options.js'
import type { ClaudeCanUseTool, ClaudeGuardHooks, ClaudeHookCallback } from './sdk-shapes.types.js'
import { type Decided, ToolCalls } from './tool-calls.js'
import { claudeToolToPolicyTool } from './tool-names.js'

const DEFAULT_HOOK_TIMEOUT_SECONDS = 60

/**
 * Guards a Claude Agent SDK agent through the SDK's own permission mechanism. The `PreToolUse` hook
 * fires for every tool call in every permission mode: it decides (durably, before anything runs) and
 * answers `ask`, which sends the call to `canUseTool` even where a mode or an allow rule would have
 * approved it. `canUseTool` then allows (with the input that was decided on), denies with the policy's
 * reasons and rule ids (`interrupt: true` for stop rules and failures), or waits for approvers. The
 * `PostToolUse` hooks record each outcome, linked by `tool_use_id`.
 *
 * @example
 * import { query } from '@anthropic-ai/claude-agent-sdk'
 *
 * const claude = createClaudeAgentGuard({
 *   guard,
 *   context: { agent: { id: 'fin-assistant', runtime: 'claude-agent-sdk' }, principal, session: { id: 'sess-1' } },
 *   toolNames: { mcp__bank__payments_transfer: 'payments.transfer' },
 * })
 * for await (const message of query({ prompt, options: claude.queryOptions({ mcpServers: { bank } }) })) {
 *   if (message.type === 'result') console.log(message.subtype)
 * }
 */
export function createClaudeAgentGuard(options: ClaudeAgentGuardOptions): ClaudeAgentGuard {
  const calls = new ToolCalls(options)
  const logger = options.logger ?? silentLogger
  const callOf = (event: {
    tool_name: string
    tool_use_id: string
    tool_input: unknown
    session_id?: string | undefined
    agent_id?: string | undefined
    mcp_server?: { name: string; source: string } | undefined
  }): ClaudeToolCall => ({
    sdkName: event.tool_name,
    tool: claudeToolToPolicyTool(event.tool_name, options, event.mcp_server?.name),
    toolUseId: event.tool_use_id,
    input: event.tool_input,
    ...(event.session_id ? { sessionId: event.session_id } : {}),
    ...(event.agent_id ? { agentId: event.agent_id } : {}),
    ...(event.mcp_server ? { mcpSource: event.mcp_server.source } : {}),
  })

  const canUseTool: ClaudeCanUseTool = (toolName, input, opts) =>
    calls.permit(
      callOf({
        tool_name: toolName,
        tool_use_id: opts.toolUseID,
        tool_input: input,
        agent_id: opts.agentID,
        mcp_server: opts.mcpServer,
      }),
      opts.signal,
    )

  const preToolUse: ClaudeHookCallback = async (raw) => {
    const event: PreToolUseInput = parsePreToolUse(raw)
    const decided = await calls.track(callOf(event)).decided
    return {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        // Every call goes on to canUseTool, which answers for Arbiter in every permission mode.
        permissionDecision: 'ask',
        permissionDecisionReason: describeDecided(decided),
      },
    }
  }
  // The tool has run: a report that cannot be read is logged, and the session goes on.
  const postToolUse: ClaudeHookCallback = async (raw) => {
    const event = readPost(raw, parsePostToolUse)
    return event ? recordRun(calls, { kind: 'ok', event }, callOf(event), options) : {}
  }
  const postToolUseFailure: ClaudeHookCallback = async (raw) => {
    const event = readPost(raw, parsePostToolUseFailure)
    return event ? recordRun(calls, { kind: 'error', event }, callOf(event), options) : {}
  }
  const readPost = <T>(raw: unknown, parse: (raw: unknown) => T): T | undefined => {
    try {
      return parse(raw)
    } catch (error) {
      logger.error(
        { err: describeError(error) },
        'claude agent tool outcome not recorded: unreadable hook input',
      )
      return undefined
    }
  }

  const timeout = options.hookTimeoutSeconds ?? DEFAULT_HOOK_TIMEOUT_SECONDS
  const hooks: ClaudeGuardHooks = {
    // A PreToolUse hook that fails or times out must block the call: the SDK's default lets it go ahead.
    PreToolUse: [{ hooks: [preToolUse], timeout, onFailure: 'block' }],
    PostToolUse: [{ hooks: [postToolUse], timeout }],
    PostToolUseFailure: [{ hooks: [postToolUseFailure], timeout }],
  }
  return {
    canUseTool,
    hooks,
    queryOptions<O extends object>(base?: O): GuardedQueryOptions<O> {
      return withGuard(base ?? {}, { canUseTool, hooks }) as GuardedQueryOptions<O>
    },
  }
}

/** The hook's reason text (UIs show it with the permission prompt; the model never sees it). */
function describeDecided(decided: Decided): string {
  if (!decided.ok) return 'Arbiter could not decide on this call'
  const { action, reasons } = decided.recorded.decision
  const label: Record<DecisionAction, string> = {
    allow: 'allowed',
    deny: 'denied',
    require_approval: 'needs approval',
  }
  const rules = reasons.map((r) => r.rule).join(', ')
  return `Arbiter: ${label[action]}${rules ? ` (${rules})` : ''}`
}
