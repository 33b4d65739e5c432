// Front door of the gateway's Streamable HTTP mode (`arbiter mcp --port`): DNS-rebinding checks, key
// authorization (injected by the composition root), one SDK transport and upstream per session.
export { allowedHostnames, dnsRebindingProtection, LOCALHOST_NAMES } from './host-check.js'
export type {
  McpHttpAuthorization,
  McpHttpAuthorizer,
  McpHttpCredentials,
  McpSessionHandle,
  McpSessionIdentity,
  McpSessionOpener,
} from './http-gateway.types.js'
export {
  createMcpHttpGateway,
  type ListeningMcpGateway,
  type McpHttpGateway,
  type McpHttpGatewayOptions,
} from './mcp-http-gateway.js'
