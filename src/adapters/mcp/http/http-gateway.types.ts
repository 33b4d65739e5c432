import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { Caller } from '../../../guard/index.js'

/**
 * On whose behalf one HTTP session's calls are made: resolved from the API key (its binding, and what a
 * trusted front end asserted within it), never from the MCP client's `clientInfo` or a header alone.
 */
export interface McpSessionIdentity {
  /** `agent.id` of every call: the key's identity. */
  readonly agentId: string
  readonly principal: { readonly id: string; readonly roles: readonly string[] }
  /** The key, as the ledger records it on each decision (`caller`). */
  readonly caller: Caller
}

/** The request headers an authorizer reads (values as received: attacker-controlled). */
export interface McpHttpCredentials {
  /** `Authorization` header. */
  readonly authorization?: string | undefined
  /** `Arbiter-Principal`: the end user a trusted front end asserts. */
  readonly principal?: string | undefined
  /** `Arbiter-Roles`: comma-separated roles asserted for that principal. */
  readonly roles?: string | undefined
}

/** An authorizer's answer: the identity to act for, or why not (HTTP status, stable code, message). */
export type McpHttpAuthorization =
  | { readonly kind: 'granted'; readonly identity: McpSessionIdentity }
  | {
      readonly kind: 'refused'
      readonly status: 400 | 401 | 403 | 503
      readonly code: string
      readonly message: string
    }

/** Checks every request's credentials (the composition root builds it on the API key store). */
export type McpHttpAuthorizer = (credentials: McpHttpCredentials) => Promise<McpHttpAuthorization>

/** One open gateway session (its upstream included); closing it ends the upstream. */
export interface McpSessionHandle {
  close(): Promise<void>
  /** Resolves when the session ended on its own (e.g. its upstream exited); the HTTP session goes too. */
  readonly closed?: Promise<unknown>
}

/**
 * Connects a new client-side transport to a gateway session for `identity` (and, for a stdio upstream,
 * spawns that session's own upstream process).
 */
export type McpSessionOpener = (
  transport: Transport,
  identity: McpSessionIdentity,
) => Promise<McpSessionHandle>
