import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { Command } from 'commander'
import { z } from 'zod'
import { createMcpGateway, type McpPrincipal } from '../../adapters/mcp/index.js'
import { createArbiter } from '../../app/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, type ConfigFlags, configFromFlags } from '../config.js'
import {
  httpListenFromFlags,
  type McpHttpFlags,
  type SharedGatewayOptions,
  serveMcpHttp,
  upstreamFromFlags,
} from '../mcp-http.js'
import { assertConfiguredKeys, type TrustFlags } from '../trust-config.js'

export interface McpFlags extends ConfigFlags, TrustFlags, McpHttpFlags {
  readonly serverName: string
  readonly principal?: string
  readonly roles?: string
  readonly agentId?: string
  readonly chain: string
  readonly watch?: boolean
  readonly upstreamTimeout: string
  readonly upstreamUrl?: string
}

const nameSchema = z.string().min(1).max(256)
const roleSchema = z.string().min(1).max(128)
const timeoutSchema = z.coerce.number().int().min(1).max(86_400_000)

/** `--principal` and `--roles` as the policy input's `principal`; exit 2 when unusable. */
export function principalFromFlags(flags: Pick<McpFlags, 'principal' | 'roles'>): McpPrincipal {
  if (flags.principal === undefined)
    throw new CliExit('--principal <id> is required: on whose behalf the calls are made', 2)
  if (!nameSchema.safeParse(flags.principal).success)
    throw new CliExit('--principal must be 1-256 characters', 2)
  const roles = (flags.roles ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r.length > 0)
  if (roles.some((r) => !roleSchema.safeParse(r).success) || roles.length > 64)
    throw new CliExit('--roles must be a comma-separated list of up to 64 roles of 1-128 characters', 2)
  return { id: flags.principal, roles }
}

/** Checks the flags every mode shares; exit 2 with the reason when one is unusable. */
export function checkCommonFlags(flags: McpFlags): { upstreamTimeoutMs: number } {
  if (!nameSchema.safeParse(flags.serverName).success)
    throw new CliExit('--server-name must be 1-256 characters', 2)
  if (flags.agentId !== undefined && !nameSchema.safeParse(flags.agentId).success)
    throw new CliExit('--agent-id must be 1-256 characters', 2)
  const timeout = timeoutSchema.safeParse(flags.upstreamTimeout)
  if (!timeout.success)
    throw new CliExit(
      `--upstream-timeout must be a positive number of ms, got ${JSON.stringify(flags.upstreamTimeout)}`,
      2,
    )
  return { upstreamTimeoutMs: timeout.data }
}

/**
 * `arbiter mcp [options] -- <upstream command> [args…]`: serves MCP on stdin/stdout and relays it to the
 * upstream server started from the command, with every `tools/call` decided by the policy and recorded
 * in the ledger (see docs/integrations.md). Logs go to stderr; stdout is the MCP channel. Ends when the
 * client closes stdin, the upstream exits, or on SIGINT/SIGTERM; the upstream process is ended with it.
 */
export function registerMcp(program: Command): void {
  addDatabaseOptions(
    program
      .command('mcp')
      .description('MCP policy gateway: put an MCP server behind the policy and the ledger')
      .argument('[upstream...]', 'upstream MCP server command and its arguments, after --')
      .requiredOption(
        '--server-name <name>',
        'policies see tools/call as input.tool = {name, kind: "mcp", server: <name>}',
      )
      .option('--principal <id>', 'on whose behalf the calls are made (stdio mode)')
      .option('--roles <r1,r2>', "the principal's roles, comma-separated (stdio mode)")
      .option('--agent-id <id>', "input.agent.id (default: the client's initialize clientInfo.name)")
      .option('--bundle <path>', 'policy bundle (default $ARBITER_BUNDLE or build/bundle.tar.gz)')
      .option('--watch', 'reload the policy bundle when the file changes')
      .option('--chain <id>', 'ledger chain the gateway writes decisions to', 'default')
      .option('--upstream-timeout <ms>', 'give up on an upstream request silent this long', '300000')
      .option('--upstream-url <url>', 'upstream MCP server over Streamable HTTP (instead of a command)')
      .option(
        '--port <n>',
        'serve Streamable HTTP at http://<host>:<n>/mcp instead of stdio (0: a free port)',
      )
      .option('--host <host>', 'HTTP mode: interface to listen on', '127.0.0.1')
      .option(
        '--allowed-host <name>',
        'HTTP mode: a hostname Host/Origin may name, repeatable (default localhost, 127.0.0.1, [::1])',
        (name: string, all: string[]) => [...all, name],
        [] as string[],
      )
      .option(
        '--allow-generated-keys',
        'demo only: with PostgreSQL, accept keys generated in the data dir (env ARBITER_ALLOW_GENERATED_KEYS=1)',
      ),
  ).action(async (upstream: string[], flags: McpFlags) => {
    const { upstreamTimeoutMs } = checkCommonFlags(flags)
    const connectUpstream = upstreamFromFlags(upstream, flags.upstreamUrl)
    const http = flags.port === undefined ? undefined : httpListenFromFlags({ ...flags, port: flags.port })
    if (http && (flags.principal !== undefined || flags.roles !== undefined || flags.agentId !== undefined))
      throw new CliExit(
        '--principal, --roles and --agent-id are for stdio mode: over HTTP each request is made for what its API key is bound to',
        2,
      )
    const mode = http
      ? ({ kind: 'http', listen: http } as const)
      : ({ kind: 'stdio', principal: principalFromFlags(flags) } as const)
    const config = configFromFlags(flags)
    // Gateways sharing one PostgreSQL ledger must share its keys (redaction markers, checkpoints).
    assertConfiguredKeys(config, flags, ['ARBITER_SIGNING_KEY', 'ARBITER_REDACTION_KEY'])
    const arbiter = await createArbiter(config, {
      chain: flags.chain,
      watch: flags.watch ?? false,
    })
    try {
      const shared: SharedGatewayOptions = {
        guard: arbiter.guard,
        serverName: flags.serverName,
        // The bundle's optional arbiter/visible: which tools tools/list shows (all without it).
        visibility: (input) => arbiter.policy.isToolVisible(input),
        connectUpstream,
        upstreamTimeoutMs,
        logger: arbiter.logger,
      }
      if (mode.kind === 'http') {
        await serveMcpHttp(arbiter, shared, mode.listen)
        return
      }
      const gateway = createMcpGateway({
        ...shared,
        principal: mode.principal,
        ...(flags.agentId ? { agentId: flags.agentId } : {}),
      })
      const session = await gateway.connect(new StdioServerTransport())
      // The client went away (stdin closed) or we were told to stop: end the upstream with us.
      const stop = () => void session.close()
      process.stdin.once('end', stop)
      process.stdin.once('close', stop)
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      const endedBy = await session.closed
      process.stdin.destroy()
      // The server went away under the client: a supervisor (or the client's log) should see a failure.
      if (endedBy === 'upstream') {
        process.stderr.write(`arbiter: upstream MCP server ${flags.serverName} exited\n`)
        process.exitCode = 1
      }
    } finally {
      await arbiter.close()
    }
  })
}
