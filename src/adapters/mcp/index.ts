// The MCP policy gateway (`arbiter mcp`): an MCP server to clients, an MCP client to the upstream
// server, with every `tools/call` decided and recorded by the guard in between.
export { McpGatewayError, type McpGatewayErrorCode } from './errors.js'
export { createMcpGateway } from './gateway.js'
// Streamable HTTP mode (`arbiter mcp --port`): DNS-rebinding checks, key-authorized sessions.
export {
  allowedHostnames,
  createMcpHttpGateway,
  dnsRebindingProtection,
  type ListeningMcpGateway,
  LOCALHOST_NAMES,
  type McpHttpAuthorization,
  type McpHttpAuthorizer,
  type McpHttpCredentials,
  type McpHttpGateway,
  type McpHttpGatewayOptions,
  type McpSessionHandle,
  type McpSessionIdentity,
  type McpSessionOpener,
} from './http/index.js'
export type {
  McpGateway,
  McpGatewayOptions,
  McpGatewaySession,
  McpPrincipal,
  McpSessionEnd,
} from './mcp.types.js'
export type { RelayExtra } from './passthrough.js'
export { stdioUpstream, upstreamEnvironment } from './stdio-upstream.js'
export { deniedText, HIDDEN_TOOL_RULE } from './tool-gate.js'
export { everyToolVisible, type ToolVisibility } from './visible-tools.js'
