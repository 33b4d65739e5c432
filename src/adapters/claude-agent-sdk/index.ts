/**
 * The Claude Agent SDK adapter (`@anthropic-ai/claude-agent-sdk`, an optional peer dependency: only
 * its shapes are used here, so Arbiter loads without it). A `canUseTool` callback and
 * `PreToolUse` / `PostToolUse` / `PostToolUseFailure` hooks backed by the guard:
 *
 * ```
 *  model proposes tool_use ─▶ PreToolUse hook: guard.decide (durable) ─▶ answers `ask`
 *      ─▶ (any mode, any allow rule) canUseTool: allow (input as decided) │ deny + rule ids (+ interrupt)
 *                                                │ require_approval: approval request, wait for approvers
 *      ─▶ tool runs in the Claude Code process ─▶ PostToolUse(Failure) hook: outcome by tool_use_id
 * ```
 *
 * See docs/integrations.md ("Claude Agent SDK") for the mapping table, the settings that must not be
 * used (they would let calls past `canUseTool`), and how to run the SDK offline.
 */
export { createClaudeAgentGuard } from './claude-guard.js'
export type {
  ClaudeAgentGuard,
  ClaudeAgentGuardOptions,
  ClaudeConflictReport,
  ClaudeDecisionReport,
  ClaudeToolCall,
  GuardedQueryOptions,
} from './claude-guard.types.js'
export {
  ClaudeAgentGuardError,
  type ClaudeAgentGuardErrorCode,
  unguardedClaudeOptions,
} from './query-options.js'
export type {
  ClaudeCanUseTool,
  ClaudeCanUseToolOptions,
  ClaudeGuardHooks,
  ClaudeHookCallback,
  ClaudeHookMatcher,
  ClaudeHookOutput,
  ClaudePermissionResult,
} from './sdk-shapes.types.js'
export { deniesSession, isStopRule } from './stop-rules.js'
export {
  CLAUDE_UNLISTED_TOOL_PREFIX,
  type ClaudeToolNameOptions,
  claudeToolToPolicyTool,
  DEFAULT_CLAUDE_TOOL_NAMES,
  type PolicyTool,
} from './tool-names.js'
