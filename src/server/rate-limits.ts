import type { ErrorRequestHandler, RequestHandler } from 'express'
import { ipKeyGenerator, rateLimit } from 'express-rate-limit'
import { principalOf } from './auth/authenticate.js'
import { HttpError, sendError } from './http-errors.js'
import type { ServerLimits } from './server.types.js'

// The limiters keep their counts in this process's memory: with N instances behind a load balancer a
// key gets N budgets, and an address N failure budgets (see src/server/README.md).
const common = {
  standardHeaders: 'draft-7',
  legacyHeaders: false,
  // Configuration checks that would write to the console; the server documents these settings instead
  // (an X-Forwarded-For header sent by a client without a trusted proxy is simply ignored).
  validate: { xForwardedForHeader: false, trustProxy: false },
} as const

/**
 * Per-key budget: every request of an authenticated key counts (`limits.rateLimit` per window). Mounted
 * after authentication, so it only ever sees a known key and never an address.
 *
 * @example
 * router.use(authenticate(keys), keyRateLimit(limits))
 */
export function keyRateLimit(limits: ServerLimits): RequestHandler {
  return rateLimit({
    ...common,
    windowMs: limits.rateLimit.windowMs,
    limit: limits.rateLimit.limit,
    keyGenerator: (_req, res) => `key:${principalOf(res).keyId}`,
    handler: (_req, res) => sendError(res, 'RATE_LIMITED', 'too many requests for this key; retry later'),
  })
}

const isAuthFailure = (error: unknown): boolean =>
  error instanceof HttpError && error.code === 'UNAUTHENTICATED'

/**
 * Per-address budget of failed sign-ins (`limits.signInFailures` per window), as an error handler
 * right after authentication: it sees only requests whose key was missing, unknown or revoked. Such a
 * request counts against its address (`req.ip`, which honours `trust proxy`); past the budget it gets
 * 429 instead of 401. A request with a valid key never reaches it, so a valid key is never refused
 * because others failed from the same address (a shared NAT, a proxy).
 *
 * @example
 * router.use(authenticate(keys), failedSignInLimit(limits))
 */
export function failedSignInLimit(limits: ServerLimits): ErrorRequestHandler {
  const limiter = rateLimit({
    ...common,
    windowMs: limits.signInFailures.windowMs,
    limit: limits.signInFailures.limit,
    // IPv6 clients are counted per /56, the smallest block one subscriber usually holds.
    keyGenerator: (req) => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`,
    handler: (_req, res) =>
      sendError(res, 'RATE_LIMITED', 'too many failed sign-ins from this address; retry later'),
  })
  return (error, req, res, next) => {
    if (!isAuthFailure(error)) return next(error)
    limiter(req, res, (limiterError?: unknown) => next(limiterError ?? error))
  }
}
