import { GuardError, reasonsForModel, type ToolCallInput, ToolDeniedError } from '../../guard/index.js'
import { describeError, ValidationError } from '../../shared/index.js'
import type { CustomToolUseEvent, ToolUseEvent } from './events.js'
import type { SessionGuardOptions } from './session-guard.types.js'

/** The policy input for a session tool event: who (from the options), what (from the event), and the runtime's own verdict. */
export function toToolCallInput(
  options: SessionGuardOptions,
  tool: string,
  kind: 'builtin' | 'mcp' | 'custom',
  event: ToolUseEvent | CustomToolUseEvent,
  permission?: 'allow' | 'ask' | 'deny',
): ToolCallInput {
  const server = event.type === 'agent.custom_tool_use' ? undefined : event.mcp_server_name
  const evaluationType = event.type === 'agent.custom_tool_use' ? undefined : event.evaluation?.type
  const runtimePolicy = typeof evaluationType === 'string' ? evaluationType : undefined
  return {
    tool: { name: tool, kind, ...(server ? { server } : {}) },
    arguments: event.input,
    agent: options.agent,
    principal: options.principal,
    session: {
      id: options.sessionId,
      ...(event.session_thread_id ? { thread: event.session_thread_id } : {}),
    },
    ...(permission
      ? { runtime: { decision: permission, ...(runtimePolicy ? { policy: runtimePolicy } : {}) } }
      : {}),
    ...(options.context ? { context: options.context } : {}),
  }
}

/** The tool's name in policy: the caller's mapping, else `server.tool` for MCP and the name itself otherwise. */
export function policyNameOf(
  options: SessionGuardOptions,
  name: string,
  kind: 'builtin' | 'mcp' | 'custom',
  server?: string,
): string {
  if (options.toolName) return options.toolName({ name, kind, ...(server ? { server } : {}) })
  return kind === 'mcp' && server ? `${server}.${name}` : name
}

/** What the agent is told when its custom tool did not produce a result. */
export function failureText(error: unknown): string {
  if (error instanceof ToolDeniedError) return reasonsForModel(error.reasons)
  if (error instanceof ValidationError) return `Arbiter rejected the tool input: ${error.message}`
  if (error instanceof GuardError)
    return `Arbiter could not record this call, so it did not run (${error.code}).`
  return `Error: ${describeError(error)}`
}

/** The database refused an entry because its link (a decision for this event…) is already recorded. */
export function isAlreadyRecorded(error: unknown): boolean {
  return error instanceof GuardError && error.code === 'GUARD_ALREADY_RECORDED'
}
