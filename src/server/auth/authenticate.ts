import type { Request, RequestHandler, Response } from 'express'
import { LedgerError } from '../../ledger/index.js'
import { ArbiterError } from '../../shared/index.js'
import { HttpError } from '../http-errors.js'
import type { ApiKeyStore, ApiPrincipal } from './api-key-store.js'
import { type Permission, roleAllows } from './roles.js'

/** The authenticated principal of a request (set by {@link authenticate}). */
export function principalOf(res: Response): ApiPrincipal {
  const principal = res.locals.principal as ApiPrincipal | undefined
  // Routes are mounted behind authenticate(); reaching here without a principal is a wiring bug.
  if (!principal) throw new HttpError('UNAUTHENTICATED', 'missing API key')
  return principal
}

// Header values are attacker-controlled: accept one strict shape and nothing else. The scheme is
// case-insensitive and followed by one or more spaces (RFC 7235 section 2.1); the two character
// classes are disjoint, so matching stays linear.
const bearerPattern = /^bearer +([A-Za-z0-9_-]{1,128})$/i

/**
 * The key in an `Authorization: Bearer <key>` header value, or null when it is missing or malformed
 * (the MCP gateway's HTTP mode reads keys the same way).
 *
 * @example
 * bearerTokenOf('Bearer arb_abc') // 'arb_abc'
 */
export function bearerTokenOf(header: string | undefined): string | null {
  if (!header) return null
  const match = bearerPattern.exec(header)
  return match ? match[1]! : null
}

function bearerToken(req: Request): string | null {
  return bearerTokenOf(req.get('authorization'))
}

/** The key store could not answer (database down): the client should retry, as for any outage. */
function unavailable(error: unknown): never {
  // A typed error keeps its code (a corrupted row stays a 500); anything else is the store's backend.
  if (error instanceof ArbiterError) throw error
  throw new LedgerError('LEDGER_UNAVAILABLE', 'cannot check the API key: the database is unavailable', {
    cause: error,
  })
}

/**
 * Middleware: resolves `Authorization: Bearer <key>` to a principal or answers 401 (503
 * `LEDGER_UNAVAILABLE` when the key store cannot be read).
 *
 * @throws {HttpError} UNAUTHENTICATED when the header is missing, malformed, unknown or revoked.
 * @example
 * router.use(authenticate(keys))
 */
export function authenticate(keys: Pick<ApiKeyStore, 'authenticate'>): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req)
    if (!token) throw new HttpError('UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>"')
    const principal = await keys.authenticate(token).catch(unavailable)
    if (!principal) throw new HttpError('UNAUTHENTICATED', 'API key is unknown or revoked')
    res.locals.principal = principal
    next()
  }
}

/**
 * Middleware: lets the request through when the key's role grants any of `permissions`.
 *
 * @throws {HttpError} FORBIDDEN otherwise.
 * @example
 * router.post('/v1/approvals/:id', requirePermission('approve'), handler)
 */
export function requirePermission(...permissions: Permission[]): RequestHandler {
  return (_req, res, next) => {
    const { role } = principalOf(res)
    if (!permissions.some((p) => roleAllows(role, p)))
      throw new HttpError('FORBIDDEN', `an ${role} key cannot do this (needs ${permissions.join(' or ')})`)
    next()
  }
}
