import type { ErrorRequestHandler, Response } from 'express'
import type { Logger } from '../shared/index.js'
import { ArbiterError, ValidationError } from '../shared/index.js'

/** Codes the HTTP layer itself raises (others come from the guard, ledger and shared modules). */
export type HttpErrorCode =
  | 'BAD_REQUEST'
  | 'INVALID_JSON'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'DECISION_NOT_FOUND'
  | 'ENTRY_NOT_FOUND'
  | 'APPROVAL_NOT_FOUND'
  | 'CHAIN_NOT_FOUND'
  | 'BUNDLE_NOT_FOUND'
  | 'DECISION_PENDING'
  | 'DECISION_DENIED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'INTERNAL'

/** An error meant for an HTTP client; its `code` is looked up in {@link statusByCode}. */
export class HttpError extends ArbiterError<HttpErrorCode> {}

/**
 * The one table from stable error code to HTTP status. Codes owned by other modules are listed
 * here too so a client sees the same code the library would throw. Anything missing is a 500.
 */
export const statusByCode: Readonly<Record<string, number>> = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  LEDGER_QUERY_INVALID: 400,
  // A proof asked for a seq or tree size the chain does not have.
  TLOG_RANGE_INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  // Four-eyes rules enforced by the guard: the caller is known but may not do this.
  APPROVAL_FORBIDDEN: 403,
  NOT_FOUND: 404,
  DECISION_NOT_FOUND: 404,
  ENTRY_NOT_FOUND: 404,
  APPROVAL_NOT_FOUND: 404,
  CHAIN_NOT_FOUND: 404,
  BUNDLE_NOT_FOUND: 404,
  LEDGER_CHAIN_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  // An outcome reported for a call that may not run (yet): the decision's state forbids it.
  DECISION_PENDING: 409,
  DECISION_DENIED: 409,
  APPROVAL_CLOSED: 409,
  GUARD_ALREADY_RECORDED: 409,
  LEDGER_DUPLICATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  // An entry bundle asked for holds an entry longer than the tile format allows (C2SP tlog-tiles):
  // the request is well-formed, the resource has no representation in that format.
  TLOG_ENTRY_TOO_LARGE: 422,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  // A stored body that does not match its schema: the ledger's data, not the request, is at fault.
  ENTRY_BODY_INVALID: 500,
  ENTRY_TYPE_MISMATCH: 500,
  GUARD_POLICY_FAILED: 500,
  GUARD_REDACTION_FAILED: 500,
  LEDGER_UNAVAILABLE: 503,
  GUARD_LEDGER_UNAVAILABLE: 503,
}

/** HTTP status for an error code; unknown codes are server faults. */
export function statusForCode(code: string): number {
  return statusByCode[code] ?? 500
}

/** Writes the one error shape every route uses: `{ error: { code, message } }`, never a stack. */
export function sendError(res: Response, code: string, message: string): void {
  const status = statusForCode(code)
  res.status(status).json({ error: { code, message } })
}

interface BodyParserError {
  type?: string
  status?: number
}

function bodyParserCode(error: unknown): HttpErrorCode | null {
  if (typeof error !== 'object' || error === null || !('type' in error)) return null
  const type = (error as BodyParserError).type
  if (type === 'entity.too.large') return 'PAYLOAD_TOO_LARGE'
  if (type === 'entity.parse.failed') return 'INVALID_JSON'
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return 'UNSUPPORTED_MEDIA_TYPE'
  if (typeof (error as BodyParserError).status === 'number') return 'BAD_REQUEST'
  return null
}

const bodyParserMessages: Record<string, string> = {
  PAYLOAD_TOO_LARGE: 'request body is larger than the server accepts',
  INVALID_JSON: 'request body is not valid JSON',
  UNSUPPORTED_MEDIA_TYPE: 'request body encoding is not supported',
  BAD_REQUEST: 'request could not be read',
}

/**
 * Express error handler: maps typed errors through {@link statusByCode}; everything unexpected
 * becomes `500 INTERNAL` with a generic message (details go to the log, never to the client).
 *
 * @example
 * app.use(errorHandler(logger))
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) {
      // A streamed response already started: the only honest signal left is cutting it off.
      logger.error({ err: error, path: req.path }, 'error after response started')
      res.destroy()
      return
    }
    // A path segment that is not valid percent-encoded UTF-8 (`%ZZ`, a lone surrogate): the router's
    // decodeURIComponent throws before any route runs.
    if (error instanceof URIError)
      return sendError(res, 'BAD_REQUEST', 'request path is not valid percent-encoded UTF-8')
    const parserCode = bodyParserCode(error)
    if (parserCode) return sendError(res, parserCode, bodyParserMessages[parserCode] ?? 'bad request')
    if (error instanceof ValidationError) return sendError(res, error.code, error.message)
    if (error instanceof ArbiterError) {
      const status = statusForCode(error.code)
      if (status >= 500) {
        logger.error({ err: error, path: req.path }, 'request failed')
        return sendError(res, error.code, status === 503 ? 'service unavailable' : 'internal error')
      }
      return sendError(res, error.code, error.message)
    }
    logger.error({ err: error, path: req.path }, 'unexpected error')
    sendError(res, 'INTERNAL', 'internal error')
  }
}
