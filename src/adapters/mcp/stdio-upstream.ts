import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'

/**
 * The environment an upstream MCP server is started with: the gateway's own, minus Arbiter's
 * configuration (`DATABASE_URL` and every `ARBITER_*` variable: keys, bundle, data dir). The upstream is
 * a tool server the policy guards, not a party to the ledger: it must not be able to write audit
 * entries or read the redaction key.
 *
 * @example
 * new StdioClientTransport({ command, args, env: upstreamEnvironment() })
 */
export function upstreamEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && entry[0] !== 'DATABASE_URL' && !entry[0].startsWith('ARBITER_'),
    ),
  )
}

/**
 * A transport factory for `McpGatewayOptions.connectUpstream` that starts `command args…` as the
 * upstream MCP server over stdio, one process per call (per client session), with
 * {@link upstreamEnvironment}. Its stderr goes to the gateway's stderr (the client's log) unless
 * `stderr: 'ignore'`. Closing the
 * transport ends the process (stdin closed, then SIGTERM, then SIGKILL).
 *
 * @example
 * const connectUpstream = stdioUpstream('npx', ['-y', '@modelcontextprotocol/server-filesystem', '/data'])
 */
export function stdioUpstream(
  command: string,
  args: readonly string[],
  options: { readonly stderr?: 'inherit' | 'ignore' } = {},
): () => Transport {
  return () =>
    new StdioClientTransport({
      command,
      args: [...args],
      env: upstreamEnvironment(),
      stderr: options.stderr ?? 'inherit',
    })
}
