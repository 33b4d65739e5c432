import { z } from 'zod'
import type { McpHttpAuthorization, McpHttpAuthorizer, McpHttpCredentials } from '../adapters/mcp/index.js'
import {
  type ApiPrincipal,
  bearerTokenOf,
  callerOf,
  type KeyAuthenticator,
  resolveCallIdentity,
  roleAllows,
} from '../server/index.js'
import { ArbiterError } from '../shared/index.js'

// `Arbiter-Principal` / `Arbiter-Roles` are attacker-controlled until the key's binding accepts them:
// the same bounds as a principal in a tool call (src/policy/policy.types.ts).
const principalHeader = z.string().trim().min(1).max(256)
const rolesHeader = z
  .string()
  .transform((raw) => raw.split(',').map((r) => r.trim()))
  .pipe(z.array(z.string().min(1).max(128)).max(64))

const refused = (status: 400 | 401 | 403 | 503, code: string, message: string): McpHttpAuthorization => ({
  kind: 'refused',
  status,
  code,
  message,
})

function claimOf(credentials: McpHttpCredentials): { id?: string; roles?: string[] } | string {
  const claim: { id?: string; roles?: string[] } = {}
  if (credentials.principal !== undefined) {
    const id = principalHeader.safeParse(credentials.principal)
    if (!id.success) return 'Arbiter-Principal must be 1-256 characters'
    claim.id = id.data
  }
  if (credentials.roles !== undefined) {
    const roles = rolesHeader.safeParse(credentials.roles)
    if (!roles.success) return 'Arbiter-Roles must be up to 64 comma-separated roles of 1-128 characters'
    claim.roles = roles.data
  }
  return claim
}

/**
 * The MCP gateway's HTTP authorizer on the API keys `arbiter keys create` makes: `Authorization: Bearer
 * <key>` must name a live key (401 otherwise) whose role may ask for decisions (`agent` or `admin`; 403
 * otherwise). The calls are made for what the key is bound to (docs/trust-model.md): the agent is the
 * key's identity, the principal its own unless `Arbiter-Principal`/`Arbiter-Roles` claim another that
 * the binding allows (`resolveCallIdentity`; 403 naming what was refused). A key store that cannot be
 * read answers 503, so nothing is forwarded.
 *
 * @example
 * const keys = createCachedKeyStore(createApiKeyStore(arbiter.database.db), { clock: systemClock })
 * const authorize = createMcpKeyAuthorizer(keys)
 * const gateway = createMcpHttpGateway({ authorize, openSession })
 */
export function createMcpKeyAuthorizer(keys: KeyAuthenticator<ApiPrincipal>): McpHttpAuthorizer {
  return async (credentials) => {
    const token = bearerTokenOf(credentials.authorization)
    if (!token) return refused(401, 'UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>"')
    let key: ApiPrincipal | null
    try {
      key = await keys.authenticate(token)
    } catch {
      return refused(503, 'LEDGER_UNAVAILABLE', 'cannot check the API key: the database is unavailable')
    }
    if (!key) return refused(401, 'UNAUTHENTICATED', 'API key is unknown or revoked')
    if (!roleAllows(key.role, 'decide'))
      return refused(403, 'FORBIDDEN', `an ${key.role} key cannot make tool calls (needs an agent key)`)
    const claim = claimOf(credentials)
    if (typeof claim === 'string') return refused(400, 'BAD_REQUEST', claim)
    try {
      const bound = resolveCallIdentity(key, { principal: claim })
      return {
        kind: 'granted',
        identity: { agentId: bound.agentId, principal: bound.principal, caller: callerOf(key) },
      }
    } catch (error) {
      if (error instanceof ArbiterError) return refused(403, 'FORBIDDEN', error.message)
      throw error
    }
  }
}
