/**
 * Scripted Managed Agents sessions for the stand-in server. A script is a list of steps the "runtime"
 * plays in order; tool uses the runtime holds for the client block the script at `awaitAction` until
 * the client answers them through `POST /v1/sessions/{id}/events`.
 */

/** How the vendor runtime treats a tool use, as on the SDK's `agent.tool_use` event. */
export interface ScriptedToolUse {
  /** Name to refer to this event's id from later steps and from tests. */
  as?: string
  name: string
  input: Record<string, unknown>
  /** `evaluated_permission` on the event; `ask` holds it for a `user.tool_confirmation`. */
  permission: 'allow' | 'ask' | 'deny'
  /** Which permission policy produced it (`evaluation.type`); defaults follow the permission. */
  policy?: 'always_allow' | 'always_ask' | 'auto'
  /** Set for MCP tools: the event becomes `agent.mcp_tool_use` with this `mcp_server_name`. */
  mcpServer?: string
  /** Text the tool returns when the runtime runs it. */
  result?: string
}

export type SessionStep =
  | { kind: 'message'; text: string }
  | { kind: 'tool_use'; use: ScriptedToolUse }
  | { kind: 'custom_tool_use'; as?: string; name: string; input: Record<string, unknown> }
  /** Goes idle with `requires_action` for every unanswered blocking event and waits for the answers. */
  | { kind: 'await_action' }
  /** Cuts every open event stream of the session (the client sees a dropped connection). */
  | { kind: 'drop_streams' }
  /** Ends the agent's turn (idle, `end_turn`) and plays on when a client sends the next `user.message`. */
  | { kind: 'end_turn' }
  | { kind: 'end'; how: 'end_turn' | 'terminated' }

/** A blocking event waiting for the client, and how it was answered. */
export interface BlockingEvent {
  readonly id: string
  readonly kind: 'confirmation' | 'custom_result'
  readonly use?: ScriptedToolUse
  answer?: { result: 'allow' | 'deny'; denyMessage?: string } | { customResult: unknown }
  /** Set once the runtime has played on after the answer. */
  resumed?: boolean
}

/** Builds the `agent.tool_use` / `agent.mcp_tool_use` event body for a scripted use (SDK event shape). */
export function toolUseEvent(use: ScriptedToolUse): Record<string, unknown> {
  const policy =
    use.policy ??
    (use.permission === 'allow' ? 'always_allow' : use.permission === 'ask' ? 'always_ask' : 'auto')
  const evaluation =
    policy === 'auto'
      ? {
          type: 'auto',
          evaluated_permission:
            use.permission === 'allow'
              ? { type: 'allow' }
              : {
                  type: use.permission,
                  reason_code: use.permission === 'deny' ? 'high_risk' : 'indeterminate',
                },
        }
      : { type: policy }
  const base = {
    name: use.name,
    input: use.input,
    evaluated_permission: use.permission,
    evaluation,
    session_thread_id: null,
  }
  return use.mcpServer
    ? { type: 'agent.mcp_tool_use', mcp_server_name: use.mcpServer, ...base }
    : { type: 'agent.tool_use', ...base }
}

/** The runtime's report of a tool it ran (or refused): `agent.tool_result` / `agent.mcp_tool_result`. */
export function toolResultEvent(
  use: ScriptedToolUse,
  toolUseId: string,
  outcome: { isError: boolean; text: string },
): Record<string, unknown> {
  const content = [{ type: 'text', text: outcome.text }]
  return use.mcpServer
    ? { type: 'agent.mcp_tool_result', mcp_tool_use_id: toolUseId, content, is_error: outcome.isError }
    : { type: 'agent.tool_result', tool_use_id: toolUseId, content, is_error: outcome.isError }
}

/** Small builders so scripts read like the session they describe. */
export const step = {
  message: (text: string): SessionStep => ({ kind: 'message', text }),
  toolUse: (use: ScriptedToolUse): SessionStep => ({ kind: 'tool_use', use }),
  customToolUse: (name: string, input: Record<string, unknown>, as?: string): SessionStep => ({
    kind: 'custom_tool_use',
    name,
    input,
    ...(as ? { as } : {}),
  }),
  awaitAction: (): SessionStep => ({ kind: 'await_action' }),
  dropStreams: (): SessionStep => ({ kind: 'drop_streams' }),
  endTurn: (): SessionStep => ({ kind: 'end_turn' }),
  end: (how: 'end_turn' | 'terminated' = 'end_turn'): SessionStep => ({ kind: 'end', how }),
}
