// The shapes of the Claude Agent SDK's permission callback and hooks that Arbiter produces, written out
// here instead of imported: Arbiter (and its .d.ts) must work without the SDK installed. Each type is
// assignable to the SDK's own (`CanUseTool`, `HookCallbackMatcher`, `PermissionResult`); the wire tests
// pass them to the real `query()` and type-check that against the pinned SDK.

/** What `canUseTool` answers: the SDK's `PermissionResult` (allow with the input to run, or deny). */
export type ClaudePermissionResult =
  | { behavior: 'allow'; updatedInput: Record<string, unknown> }
  | { behavior: 'deny'; message: string; interrupt?: boolean }

/** The facts of `canUseTool`'s third argument that Arbiter reads (the SDK passes more). */
export interface ClaudeCanUseToolOptions {
  /** Aborts when the query stops; an approval wait ends with it. */
  readonly signal: AbortSignal
  /** The `tool_use` block's id; hooks see the same id as `tool_use_id`. */
  readonly toolUseID: string
  /** Set when a subagent calls the tool. */
  readonly agentID?: string
  /** For `mcp__*` tools: the server and where it was configured (`sdk` = registered by this host). */
  readonly mcpServer?: { readonly name: string; readonly source: string }
}

/** The SDK's `canUseTool` option. */
export type ClaudeCanUseTool = (
  toolName: string,
  input: Record<string, unknown>,
  options: ClaudeCanUseToolOptions,
) => Promise<ClaudePermissionResult>

/** What Arbiter's hooks answer (a subset of the SDK's `SyncHookJSONOutput`). */
export interface ClaudeHookOutput {
  /** false ends the session after this event. */
  continue?: boolean
  stopReason?: string
  hookSpecificOutput?: {
    hookEventName: 'PreToolUse'
    /** Arbiter answers `ask`, so the SDK consults `canUseTool` whatever its mode and allow rules. */
    permissionDecision: 'ask'
    permissionDecisionReason?: string
  }
}

/** A hook callback. The input comes from the Claude Code process and is parsed before use. */
export type ClaudeHookCallback = (
  input: unknown,
  toolUseID: string | undefined,
  options: { signal: AbortSignal },
) => Promise<ClaudeHookOutput>

/** One entry of the SDK's `hooks[event]` list. */
export interface ClaudeHookMatcher {
  matcher?: string
  hooks: ClaudeHookCallback[]
  /** Seconds. */
  timeout?: number
  /** `block`: a hook that fails or times out blocks the tool call instead of letting it go ahead. */
  onFailure?: 'continue' | 'block'
}

/** Arbiter's entries for the SDK's `hooks` option. */
export interface ClaudeGuardHooks {
  PreToolUse: ClaudeHookMatcher[]
  PostToolUse: ClaudeHookMatcher[]
  PostToolUseFailure: ClaudeHookMatcher[]
}
