import { ArbiterError } from '../../shared/index.js'

export type McpGatewayErrorCode = 'MCP_UPSTREAM_UNAVAILABLE' | 'MCP_CLIENT_TRANSPORT_FAILED'

/**
 * The gateway could not start a session: the upstream MCP server could not be started or reached
 * (`MCP_UPSTREAM_UNAVAILABLE`), or the client's transport could not be opened
 * (`MCP_CLIENT_TRANSPORT_FAILED`).
 */
export class McpGatewayError extends ArbiterError<McpGatewayErrorCode> {}
