import type { ToolCallInput } from '../../guard/index.js'

/** A tool as policy sees it: `input.tool` of the call Arbiter evaluates. */
export type PolicyTool = ToolCallInput['tool']

/**
 * Claude Code's built-in tools, by the name the SDK gives them (`canUseTool`'s `toolName`, hooks'
 * `tool_name`), mapped to policy tool names. Policies name tools `<domain>.<verb>`, so one policy can
 * govern the same capability across runtimes (`web.search` is also the Messages API and Managed Agents
 * name). A built-in missing here is `claude_code.<Name>` (e.g. `claude_code.TodoWrite`), which the
 * shipped packs allow for no agent: it is denied until a policy names it.
 */
export const DEFAULT_CLAUDE_TOOL_NAMES: Readonly<Record<string, string>> = {
  Bash: 'shell.run',
  PowerShell: 'shell.run',
  Read: 'files.read',
  Write: 'files.write',
  Edit: 'files.edit',
  MultiEdit: 'files.edit',
  NotebookEdit: 'files.edit_notebook',
  Glob: 'files.find',
  Grep: 'files.search',
  WebFetch: 'web.fetch',
  WebSearch: 'web.search',
  Agent: 'agents.delegate',
  Task: 'agents.delegate',
}

/** Prefix of the policy name of a built-in the table does not list. */
export const CLAUDE_UNLISTED_TOOL_PREFIX = 'claude_code.'

/** How SDK tool names become policy tools; see {@link claudeToolToPolicyTool}. */
export interface ClaudeToolNameOptions {
  /**
   * Exact SDK tool name → policy name (or the whole policy tool). Wins over the default table and the
   * MCP rule: `{ mcp__bank__payments_transfer: 'payments.transfer', Bash: 'shell.exec' }`. A plain
   * name keeps the kind (and server) the default mapping gives.
   */
  readonly toolNames?: Readonly<Record<string, string | PolicyTool>>
  /**
   * Last word on every call: receives the SDK name and the mapping above, returns the policy tool.
   * For patterns a table cannot list (`mcp__bank__*` → `payments.*`).
   */
  readonly mapTool?: (sdkName: string, mapped: PolicyTool) => PolicyTool
}

/**
 * The policy tool for an SDK tool name. MCP tools (`mcp__<server>__<tool>`) become
 * `{ name: <tool>, kind: 'mcp', server: <server> }`; when the SDK names the serving MCP server
 * (`mcpServer` / `mcp_server`), that name splits the prefix, so server names holding `__` map right.
 * Built-ins go through {@link DEFAULT_CLAUDE_TOOL_NAMES} (`kind: 'builtin'`). Then `toolNames`, then
 * `mapTool`.
 *
 * @example
 * claudeToolToPolicyTool('Write') // { name: 'files.write', kind: 'builtin' }
 * claudeToolToPolicyTool('mcp__bank__payments_transfer') // { name: 'payments_transfer', kind: 'mcp', server: 'bank' }
 * claudeToolToPolicyTool('mcp__bank__payments_transfer', { toolNames: { mcp__bank__payments_transfer: 'payments.transfer' } })
 * // { name: 'payments.transfer', kind: 'mcp', server: 'bank' }
 */
export function claudeToolToPolicyTool(
  sdkName: string,
  options: ClaudeToolNameOptions = {},
  mcpServer?: string,
): PolicyTool {
  let mapped = defaultPolicyTool(sdkName, mcpServer)
  const override = options.toolNames?.[sdkName]
  if (typeof override === 'string') mapped = { ...mapped, name: override }
  else if (override) mapped = override
  return options.mapTool ? options.mapTool(sdkName, mapped) : mapped
}

function defaultPolicyTool(sdkName: string, mcpServer?: string): PolicyTool {
  const mcp = splitMcpName(sdkName, mcpServer)
  if (mcp) return { name: mcp.tool, kind: 'mcp', server: mcp.server }
  const listed = Object.hasOwn(DEFAULT_CLAUDE_TOOL_NAMES, sdkName)
    ? DEFAULT_CLAUDE_TOOL_NAMES[sdkName]
    : undefined
  return { name: listed ?? `${CLAUDE_UNLISTED_TOOL_PREFIX}${sdkName}`, kind: 'builtin' }
}

/** `mcp__<server>__<tool>` → its parts, or undefined for any other name (or an empty part). */
function splitMcpName(sdkName: string, mcpServer?: string): { server: string; tool: string } | undefined {
  if (!sdkName.startsWith('mcp__')) return undefined
  const rest = sdkName.slice('mcp__'.length)
  if (mcpServer && rest.startsWith(`${mcpServer}__`) && rest.length > mcpServer.length + 2)
    return { server: mcpServer, tool: rest.slice(mcpServer.length + 2) }
  const cut = rest.indexOf('__')
  if (cut <= 0 || cut + 2 >= rest.length) return undefined
  return { server: rest.slice(0, cut), tool: rest.slice(cut + 2) }
}
