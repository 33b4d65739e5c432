import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  type JSONRPCRequest,
  type Notification,
  ProgressNotificationSchema,
  type Result,
} from '@modelcontextprotocol/sdk/types.js'
import { describeError, randomIds, silentLogger } from '../../shared/index.js'
import { McpGatewayError } from './errors.js'
import type {
  McpGateway,
  McpGatewayOptions,
  McpGatewaySession,
  McpPrincipal,
  McpSessionEnd,
} from './mcp.types.js'
import { forwardNotification, forwardRequest, type RelayExtra } from './passthrough.js'
import { ProgressRoutes } from './progress-routes.js'
import { RelayEndpoint } from './relay-endpoint.js'
import { gateToolCall } from './tool-gate.js'
import { everyToolVisible, filterToolList } from './visible-tools.js'

const DEFAULT_UPSTREAM_TIMEOUT_MS = 300_000
const DEFAULT_APPROVAL_PROGRESS_MS = 5_000
/** How long a closing session lets calls in flight send their answers (e.g. "upstream exited"). */
const DRAIN_MS = 2_000
/** `input.agent.id` when the client named itself nothing usable. */
const UNNAMED_CLIENT = 'mcp-client'

/** The agent id from `initialize` params (attacker-controlled: type- and length-checked). */
function clientNameOf(params: unknown): string | undefined {
  const info = (params as { clientInfo?: unknown } | undefined)?.clientInfo
  const name = (info as { name?: unknown } | undefined)?.name
  if (typeof name !== 'string') return undefined
  const trimmed = name.trim().slice(0, 256)
  return trimmed.length > 0 ? trimmed : undefined
}

/**
 * Creates the MCP policy gateway: each client connection gets its own upstream connection, and
 * everything but `tools/call` is relayed faithfully in both directions (`initialize` answered by the
 * upstream, `tools/list` with pagination, resources, prompts, completion, logging, progress,
 * cancellation, pings, and the upstream's own requests to the client: sampling, elicitation, roots).
 * `tools/call` goes through the guard: decided and durably recorded before it is forwarded, denied
 * calls answered with an `isError` result naming every rule, approvals awaited, outcomes recorded.
 * Transport-agnostic: stdio, Streamable HTTP, or in-memory on either side.
 *
 * @throws {McpGatewayError} (from `connect`) MCP_UPSTREAM_UNAVAILABLE, MCP_CLIENT_TRANSPORT_FAILED
 * @example
 * const gateway = createMcpGateway({
 *   guard: arbiter.guard,
 *   serverName: 'filesystem',
 *   principal: { id: 'u-17', roles: ['analyst'] },
 *   connectUpstream: () => new StdioClientTransport({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'] }),
 * })
 * const session = await gateway.connect(new StdioServerTransport())
 * await session.closed
 */
export function createMcpGateway(options: McpGatewayOptions): McpGateway {
  const logger = options.logger ?? silentLogger
  const ids = options.ids ?? randomIds
  const timeoutMs = options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS
  const approvalProgressMs = options.approvalProgressMs ?? DEFAULT_APPROVAL_PROGRESS_MS
  const visibility = options.visibility ?? everyToolVisible
  const principalOf = async (extra: RelayExtra): Promise<McpPrincipal> =>
    typeof options.principal === 'function' ? options.principal(extra) : options.principal

  return {
    async connect(client: Transport): Promise<McpGatewaySession> {
      const connectionId = ids.next()
      const upstream = new RelayEndpoint()
      const downstream = new RelayEndpoint()
      let agentId = options.agentId
      let upstreamClosed = false
      // Client requests being handled, oldest first: an upstream request or notification without a
      // stream of its own is related to the newest (Streamable HTTP sends it on that request's stream).
      const inFlight = new Map<string | number, Promise<unknown>>()
      const newestInFlight = () => [...inFlight.keys()].at(-1)

      let resolveClosed = (_end: McpSessionEnd) => {}
      const closed = new Promise<McpSessionEnd>((resolve) => {
        resolveClosed = resolve
      })
      let closing: Promise<void> | undefined
      const close = (endedBy: McpSessionEnd = 'closed'): Promise<void> => {
        closing ??= (async () => {
          // Calls in flight answer first (an upstream that died mid-call is an error the client sees).
          await Promise.race([
            Promise.allSettled([...inFlight.values()]),
            new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref()),
          ])
          await downstream.close().catch(() => {})
          await upstream.close().catch(() => {})
          resolveClosed(endedBy)
        })()
        return closing
      }

      let upstreamTransport: Transport
      try {
        upstreamTransport = await options.connectUpstream()
        await upstream.connect(upstreamTransport)
      } catch (error) {
        throw new McpGatewayError(
          'MCP_UPSTREAM_UNAVAILABLE',
          `cannot start upstream MCP server ${options.serverName}: ${describeError(error)}`,
          { cause: error },
        )
      }
      upstream.onclose = () => {
        upstreamClosed = true
        if (closing) return
        logger.warn({ server: options.serverName }, 'upstream MCP server closed; ending the session')
        void close('upstream')
      }
      upstream.onerror = (error) => logger.debug({ err: describeError(error) }, 'upstream transport error')
      downstream.onclose = () => void close('client')
      downstream.onerror = (error) => logger.debug({ err: describeError(error) }, 'client transport error')

      // Progress of requests relayed upstream (back to the client), and downstream (back to the upstream).
      const upstreamProgress = new ProgressRoutes()
      const downstreamProgress = new ProgressRoutes()
      upstream.setNotificationHandler(ProgressNotificationSchema, async (notification) => {
        if (!upstreamProgress.deliver(notification)) await forwardNotification(downstream, notification)
      })
      downstream.setNotificationHandler(ProgressNotificationSchema, async (notification) => {
        if (!downstreamProgress.deliver(notification)) await forwardNotification(upstream, notification)
      })
      const forward = (request: JSONRPCRequest, extra: RelayExtra, progressOffset = 0) =>
        forwardRequest(upstream, request, extra, { timeoutMs, routes: upstreamProgress, progressOffset })

      const handle = async (request: JSONRPCRequest, extra: RelayExtra): Promise<Result> => {
        switch (request.method) {
          case 'initialize': {
            agentId ??= clientNameOf(request.params)
            const result = await forward(request, extra)
            // What the SDK client does after initialize: HTTP upstreams send the version as a header.
            const version = result.protocolVersion
            const versioned = upstreamTransport as Transport & { setProtocolVersion?: (v: string) => void }
            if (typeof version === 'string') versioned.setProtocolVersion?.(version)
            return result
          }
          case 'tools/list': {
            const result = await forward(request, extra)
            if (visibility === everyToolVisible) return result
            return filterToolList(
              result,
              visibility,
              {
                server: options.serverName,
                agent: { id: agentId ?? UNNAMED_CLIENT, runtime: 'mcp' },
                principal: await principalOf(extra),
                session: { id: extra.sessionId ?? connectionId },
              },
              logger,
            )
          }
          case 'tools/call':
            return gateToolCall(
              {
                guard: options.guard,
                serverName: options.serverName,
                logger,
                isVisible: visibility,
                forward,
                upstreamClosed: () => upstreamClosed,
                approvalProgressMs,
                ...(options.caller ? { caller: options.caller } : {}),
              },
              {
                request,
                extra,
                agentId: agentId ?? UNNAMED_CLIENT,
                principal: await principalOf(extra),
                sessionId: extra.sessionId ?? connectionId,
              },
            )
          default:
            return forward(request, extra)
        }
      }

      downstream.fallbackRequestHandler = (request, extra) => {
        const handled = handle(request, extra)
        inFlight.set(request.id, handled)
        const done = () => inFlight.delete(request.id)
        handled.then(done, done)
        return handled
      }
      downstream.fallbackNotificationHandler = (notification: Notification) =>
        forwardNotification(upstream, notification)
      upstream.fallbackRequestHandler = (request, extra) =>
        forwardRequest(downstream, request, extra, {
          timeoutMs,
          routes: downstreamProgress,
          ...(newestInFlight() !== undefined ? { relatedRequestId: newestInFlight() } : {}),
        })
      upstream.fallbackNotificationHandler = (notification: Notification) =>
        forwardNotification(downstream, notification, newestInFlight())

      try {
        await downstream.connect(client)
      } catch (error) {
        await upstream.close().catch(() => {})
        throw new McpGatewayError(
          'MCP_CLIENT_TRANSPORT_FAILED',
          `cannot open the client transport: ${describeError(error)}`,
          { cause: error },
        )
      }
      return { connectionId, closed, close: () => close() }
    },
  }
}
