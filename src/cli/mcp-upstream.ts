import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { CONFIG_ENV_VARS } from '../app/index.js'

/**
 * The environment an upstream MCP server is started with: the gateway's own, minus Arbiter's
 * configuration (database URL, keys, bundle). The upstream is a tool server the policy guards, not a
 * party to the ledger: it must not be able to write audit entries or read the redaction key.
 */
export function upstreamEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const withheld = new Set<string>(CONFIG_ENV_VARS)
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !withheld.has(entry[0]) && !entry[0].startsWith('ARBITER_'),
    ),
  )
}

/**
 * A transport factory that starts `command args…` as the upstream MCP server over stdio, one process
 * per call (per client session). Its stderr goes to the gateway's stderr (the client's log).
 *
 * @example
 * const connectUpstream = stdioUpstream('npx', ['-y', '@modelcontextprotocol/server-filesystem', '/data'])
 */
export function stdioUpstream(command: string, args: readonly string[]): () => Transport {
  return () =>
    new StdioClientTransport({ command, args: [...args], env: upstreamEnvironment(), stderr: 'inherit' })
}
