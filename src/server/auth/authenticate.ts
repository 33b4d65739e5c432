import type { Request, RequestHandler, Response } from 'express'
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

// Header values are attacker-controlled: accept one strict shape and nothing else.
const bearerPattern = /^Bearer ([A-Za-z0-9_-]{1,128})$/

function bearerToken(req: Request): string | null {
  const header = req.get('authorization')
  if (!header) return null
  const match = bearerPattern.exec(header)
  return match ? match[1]! : null
}

/**
 * Middleware: resolves `Authorization: Bearer <key>` to a principal or answers 401.
 *
 * @throws {HttpError} UNAUTHENTICATED when the header is missing, malformed, unknown or revoked.
 * @example
 * router.use(authenticate(keys))
 */
export function authenticate(keys: Pick<ApiKeyStore, 'authenticate'>): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req)
    if (!token) throw new HttpError('UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>"')
    const principal = await keys.authenticate(token)
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
