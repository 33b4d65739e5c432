import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Response } from 'express'
import { allowedHostnames, dnsRebindingProtection } from './host-check.js'
import type { McpHttpAuthorizer, McpSessionIdentity, McpSessionOpener } from './http-gateway.types.js'
import { HttpSessions, sameIdentity } from './http-sessions.js'

export interface McpHttpGatewayOptions {
  /** Checks each request's key (and asserted end user); see `McpHttpAuthorizer`. */
  readonly authorize: McpHttpAuthorizer
  /** Opens a gateway session on a new client transport (spawning its upstream if stdio). */
  readonly openSession: McpSessionOpener
  /** Hostnames `Host`/`Origin` may name (default: loopback only). */
  readonly allowedHosts?: readonly string[]
  /** A session with no open request for this long is closed with its upstream (default 30 min). */
  readonly idleTimeoutMs?: number
  /** Most sessions (so upstream processes) at once; more answer 503 (default 64). */
  readonly maxSessions?: number
  /** Largest request body (default 4 MB); larger ones answer 413 before parsing. */
  readonly bodyLimitBytes?: number
}

/** A gateway listening on a port. */
export interface ListeningMcpGateway {
  /** `http://host:port/mcp`. */
  readonly url: string
  readonly port: number
  /** Closes every session (and upstream) and stops listening. */
  close(): Promise<void>
}

/** The Streamable HTTP front of the gateway: an Express app and its sessions. */
export interface McpHttpGateway {
  readonly app: Express
  /** Live sessions. */
  readonly sessionCount: number
  listen(options: { port: number; host: string }): Promise<ListeningMcpGateway>
  /** Closes every session and its upstream. */
  closeSessions(): Promise<void>
}

function rpcError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message, data: { code } }, id: null })
}

const header = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(',') : value

/**
 * Serves the MCP gateway over Streamable HTTP at `/mcp` with the SDK's `StreamableHTTPServerTransport`
 * (one per session). Every request is checked in this order: `Host`/`Origin` against DNS rebinding
 * (403), `Authorization: Bearer <key>` (401 with `WWW-Authenticate`; a key that may not ask for
 * decisions or a refused `Arbiter-Principal`/`Arbiter-Roles` claim 403), body size (413), then the
 * session: a session answers only the key and principal that opened it.
 *
 * @example
 * const gateway = createMcpHttpGateway({ authorize, openSession })
 * const { url, close } = await gateway.listen({ port: 8765, host: '127.0.0.1' })
 */
export function createMcpHttpGateway(options: McpHttpGatewayOptions): McpHttpGateway {
  const sessions = new HttpSessions(options.idleTimeoutMs ?? 30 * 60_000)
  const maxSessions = options.maxSessions ?? 64
  const app = express()
  app.disable('x-powered-by')
  app.use(dnsRebindingProtection(allowedHostnames(options.allowedHosts ?? [])))

  const authenticate: RequestHandler = async (req, res, next) => {
    const answer = await options.authorize({
      authorization: req.headers.authorization,
      principal: header(req.headers['arbiter-principal']),
      roles: header(req.headers['arbiter-roles']),
    })
    if (answer.kind === 'granted') {
      res.locals.identity = answer.identity
      next()
      return
    }
    if (answer.status === 401)
      res.setHeader(
        'WWW-Authenticate',
        req.headers.authorization === undefined
          ? 'Bearer realm="arbiter-mcp"'
          : 'Bearer realm="arbiter-mcp", error="invalid_token"',
      )
    if (answer.status === 503) res.setHeader('Retry-After', '5')
    rpcError(res, answer.status, answer.code, answer.message)
  }

  const handle: RequestHandler = async (req, res) => {
    const identity = res.locals.identity as McpSessionIdentity
    const sessionId = header(req.headers['mcp-session-id'])
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId)
      // Another key's session is answered as unknown: its id is not confirmed to anyone else.
      if (!session || !sameIdentity(session.identity, identity)) {
        rpcError(res, 404, 'MCP_SESSION_NOT_FOUND', 'session not found')
        return
      }
      sessions.track(session, (done) => res.once('close', done))
      await session.transport.handleRequest(req, res, req.body)
      return
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      rpcError(
        res,
        400,
        'MCP_SESSION_REQUIRED',
        'Bad Request: send initialize first, then the Mcp-Session-Id',
      )
      return
    }
    if (sessions.size >= maxSessions) {
      res.setHeader('Retry-After', '5')
      rpcError(
        res,
        503,
        'MCP_SESSIONS_EXHAUSTED',
        `this gateway holds its maximum of ${maxSessions} sessions`,
      )
      return
    }
    await openNew(identity, req, res)
  }

  const openNew = async (
    identity: McpSessionIdentity,
    req: Parameters<RequestHandler>[0],
    res: Response,
  ): Promise<void> => {
    let opened: Awaited<ReturnType<McpSessionOpener>> | undefined
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        // Runs inside handleRequest below, after openSession resolved: `opened` is set.
        if (opened) sessions.add({ id, transport, identity, handle: opened, open: 0, lastSeen: Date.now() })
      },
      onsessionclosed: (id) => void sessions.close(id),
    })
    try {
      opened = await options.openSession(transport, identity)
    } catch (error) {
      // Nothing was forwarded: the client learns the upstream could not be reached, and may retry.
      const reason = error instanceof Error ? error.message : String(error)
      rpcError(res, 502, 'MCP_UPSTREAM_UNAVAILABLE', `cannot open the upstream MCP server: ${reason}`)
      return
    }
    await transport.handleRequest(req, res, req.body)
    // An initialize the transport refused (bad headers, bad version) leaves no session behind.
    if (transport.sessionId === undefined || !sessions.get(transport.sessionId))
      await Promise.allSettled([transport.close(), opened.close()])
  }

  const limit = options.bodyLimitBytes ?? 4 * 1024 * 1024
  app.all('/mcp', authenticate, express.json({ limit, type: () => true }), handle)
  app.use((_req, res) => rpcError(res, 404, 'NOT_FOUND', 'the MCP endpoint is /mcp'))
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    if (res.headersSent) {
      res.end()
      return
    }
    const status = (error as { status?: unknown }).status
    if (status === 413) return rpcError(res, 413, 'PAYLOAD_TOO_LARGE', `request body over ${limit} bytes`)
    if (status === 400) return rpcError(res, 400, 'INVALID_JSON', 'request body is not valid JSON')
    rpcError(res, 500, 'INTERNAL', 'the gateway failed to handle the request')
  }
  app.use(onError)

  return {
    app,
    get sessionCount() {
      return sessions.size
    },
    closeSessions: () => sessions.closeAll(),
    listen({ port, host }) {
      const server = createServer(app)
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          const bound = (server.address() as AddressInfo).port
          const shown = host.includes(':') ? `[${host}]` : host
          resolve({
            url: `http://${shown}:${bound}/mcp`,
            port: bound,
            close: async () => {
              await sessions.closeAll()
              server.closeAllConnections()
              await new Promise<void>((done) => server.close(() => done()))
            },
          })
        })
      })
    },
  }
}
