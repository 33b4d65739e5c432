import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { z } from 'zod'
import {
  createMcpGateway,
  createMcpHttpGateway,
  type McpGatewayOptions,
  type McpSessionOpener,
  stdioUpstream,
} from '../adapters/mcp/index.js'
import { type Arbiter, createMcpKeyAuthorizer } from '../app/index.js'
import { createApiKeyStore, createCachedKeyStore } from '../server/index.js'
import { CliExit } from './cli-exit.js'

const portSchema = z.coerce.number().int().min(0).max(65_535)
// A hostname as `Host` carries it (no port): letters, digits, dots, dashes; IPv6 in brackets.
const hostnameSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])$/)

/** The HTTP-mode flags of `arbiter mcp`. */
export interface McpHttpFlags {
  readonly port?: string
  readonly host: string
  readonly allowedHost?: readonly string[]
}

/** `--port`, `--host` and `--allowed-host` checked; exit 2 with the reason when one is unusable. */
export function httpListenFromFlags(flags: McpHttpFlags & { port: string }): {
  port: number
  host: string
  allowedHosts: string[]
} {
  const port = portSchema.safeParse(flags.port)
  if (!port.success) throw new CliExit(`--port must be 0-65535, got ${JSON.stringify(flags.port)}`, 2)
  const allowedHosts = [...(flags.allowedHost ?? [])]
  const bad = allowedHosts.find((h) => !hostnameSchema.safeParse(h).success)
  if (bad !== undefined)
    throw new CliExit(`--allowed-host must be a hostname without port, got ${JSON.stringify(bad)}`, 2)
  return { port: port.data, host: flags.host, allowedHosts }
}

/**
 * `--upstream-url` as a transport factory: one SDK Streamable HTTP client connection per client
 * session. The URL is checked here (http or https), so a typo fails at start, not on the first client.
 *
 * @example
 * const connectUpstream = httpUpstream('http://127.0.0.1:3001/mcp')
 */
export function httpUpstream(raw: string): () => Transport {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new CliExit(`--upstream-url must be an http(s) URL, got ${JSON.stringify(raw)}`, 2)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliExit(`--upstream-url must be an http(s) URL, got ${JSON.stringify(raw)}`, 2)
  return () => new StreamableHTTPClientTransport(url)
}

/**
 * The upstream of `arbiter mcp`: the command after `--` (stdio, one process per session) or
 * `--upstream-url` (Streamable HTTP), exactly one of them; exit 2 otherwise.
 *
 * @example
 * const connectUpstream = upstreamFromFlags(['npx', '-y', '@modelcontextprotocol/server-filesystem', '/data'], undefined)
 */
export function upstreamFromFlags(command: readonly string[], url: string | undefined): () => Transport {
  const [program, ...args] = command
  if (program !== undefined && url !== undefined)
    throw new CliExit('give the upstream either as a command after -- or as --upstream-url, not both', 2)
  if (url !== undefined) return httpUpstream(url)
  if (program === undefined)
    throw new CliExit(
      'no upstream MCP server: give its command after --, e.g. arbiter mcp … -- npx -y @modelcontextprotocol/server-filesystem /data, or --upstream-url <url>',
      2,
    )
  return stdioUpstream(program, args)
}

/** Gateway options every HTTP session shares; the identity parts come from each session's key. */
export type SharedGatewayOptions = Omit<McpGatewayOptions, 'principal' | 'agentId' | 'caller'>

/**
 * Serves the gateway over Streamable HTTP at `http://host:port/mcp` until SIGINT/SIGTERM: each session
 * is authorized by an agent API key of this database (cached 5 s, the revocation bound of `serve`), gets
 * a gateway for the key's bound identity and its own upstream connection (a stdio upstream: its own
 * process), and is closed with its upstream when the client deletes it, goes idle, or we stop.
 */
export async function serveMcpHttp(
  arbiter: Arbiter,
  shared: SharedGatewayOptions,
  listen: { port: number; host: string; allowedHosts: readonly string[] },
): Promise<void> {
  const keys = createCachedKeyStore(createApiKeyStore(arbiter.database.db, { clock: arbiter.clock }), {
    clock: arbiter.clock,
  })
  const openSession: McpSessionOpener = async (transport, identity) => {
    const gateway = createMcpGateway({
      ...shared,
      agentId: identity.agentId,
      principal: { id: identity.principal.id, roles: [...identity.principal.roles] },
      caller: identity.caller,
    })
    const session = await gateway.connect(transport)
    return { close: () => session.close(), closed: session.closed }
  }
  const gateway = createMcpHttpGateway({
    authorize: createMcpKeyAuthorizer(keys),
    openSession,
    allowedHosts: listen.allowedHosts,
  })
  // Handlers first: a supervisor may signal as soon as it reads the line below.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  const listening = await gateway.listen({ port: listen.port, host: listen.host })
  process.stdout.write(
    `arbiter: MCP gateway for ${shared.serverName} at ${listening.url} (${arbiter.database.kind} ledger)\n`,
  )
  await stopped
  await listening.close()
}
