import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { Caller, Guard, ToolCallInput } from '../../guard/index.js'
import type { IdFactory, Logger } from '../../shared/index.js'
import type { RelayExtra } from './passthrough.js'
import type { ToolVisibility } from './visible-tools.js'

/** On whose behalf a session's calls are made. */
export type McpPrincipal = ToolCallInput['principal']

export interface McpGatewayOptions {
  /** Decides and records every `tools/call` (e.g. `arbiter.guard` from `createArbiter`). */
  readonly guard: Guard
  /** Policies see `input.tool.server` = this name (`--server-name`). */
  readonly serverName: string
  /**
   * Opens the transport to the upstream MCP server for one client session (not started: the gateway
   * starts it), e.g. a `StdioClientTransport` that spawns the upstream command. Called once per session.
   */
  readonly connectUpstream: () => Transport | Promise<Transport>
  /**
   * The principal of each call: fixed (stdio: `--principal`, `--roles`), or resolved per request from
   * what the client transport authenticated (`extra.authInfo` over HTTP). Never from the MCP body.
   */
  readonly principal: McpPrincipal | ((extra: RelayExtra) => McpPrincipal | Promise<McpPrincipal>)
  /** `input.agent.id` for every call; default the client's `initialize` `clientInfo.name`. */
  readonly agentId?: string
  /**
   * The API key the session authenticated with (HTTP mode); recorded as `caller` on each decision,
   * approval request and outcome, as for the sidecar API.
   */
  readonly caller?: Caller
  /** Which tools `tools/list` shows (the policy's `arbiter/visible`); default every tool. */
  readonly visibility?: ToolVisibility
  /**
   * How long a relayed request may go without an answer or a progress notification, ms (default
   * 300000). A forwarded `tools/call` that times out is left as `outcome_unknown`.
   */
  readonly upstreamTimeoutMs?: number
  /** Interval of progress notifications while a call waits for approval, ms (default 5000). */
  readonly approvalProgressMs?: number
  /** Source of connection ids (the session id of a connection without an MCP session id). */
  readonly ids?: IdFactory
  readonly logger?: Logger
}

/** Why a session ended: the client went away, the upstream closed first, or `close()` was called. */
export type McpSessionEnd = 'client' | 'upstream' | 'closed'

/** One client connection relayed to its own upstream connection. */
export interface McpGatewaySession {
  /** Policies see `input.session.id` = the MCP session id when the transport has one, else this. */
  readonly connectionId: string
  /** Resolves once both sides are closed, with what ended the session. */
  readonly closed: Promise<McpSessionEnd>
  /** Closes the client side and the upstream (a stdio upstream's process is ended). Idempotent. */
  close(): Promise<void>
}

/** Puts an upstream MCP server behind Arbiter's policy and ledger, one session per client connection. */
export interface McpGateway {
  /**
   * Starts a session: opens the upstream (`connectUpstream`), then serves `client` (not started yet:
   * the gateway starts it).
   * @throws {McpGatewayError} MCP_UPSTREAM_UNAVAILABLE, MCP_CLIENT_TRANSPORT_FAILED
   */
  connect(client: Transport): Promise<McpGatewaySession>
}
