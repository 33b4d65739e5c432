import { describeError } from '../../shared/index.js'

// Errors from the session-events API are classified by their HTTP status, read from the error object
// itself. `instanceof Anthropic.APIError` is not used: the client belongs to the application, and when
// the application has its own copy of the SDK (or a CommonJS and an ESM copy of the same version), its
// error classes are not Arbiter's and every `instanceof` is false.

/** HTTP status of an API error from any copy of the SDK (the `status` property), if it has one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const status = (error as { status?: unknown }).status
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status < 600
    ? status
    : undefined
}

/**
 * A 4xx answer that will not get better by retrying (unknown session, bad key, missing beta header…).
 * Timeouts (408), conflicts (409) and rate limits (429) are retried; so is everything without a status
 * (connection errors, a cut stream) and every 5xx.
 */
export function isPermanentApiError(error: unknown): boolean {
  const status = httpStatusOf(error)
  return status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status)
}

/**
 * The runtime refused one answer (a confirmation or a custom tool result) for what it says, not because
 * the session or the key is gone: already answered (a person answered in the vendor console first), no
 * longer awaited, malformed. The session itself can still be guarded.
 */
export function isRejectedAnswer(error: unknown): boolean {
  const status = httpStatusOf(error)
  return status === 400 || status === 409 || status === 413 || status === 422
}

/** What the API said, as plain fields for the ledger (the SDK's `apiMessage`, `type`, `requestID`). */
export function apiErrorFields(error: unknown): {
  status?: number
  errorType?: string
  message: string
  requestId?: string
} {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>
  const body = e.error as { error?: { type?: unknown; message?: unknown } } | undefined
  const apiMessage = typeof e.apiMessage === 'string' ? e.apiMessage : body?.error?.message
  const errorType = typeof e.type === 'string' ? e.type : body?.error?.type
  const message =
    typeof apiMessage === 'string' ? apiMessage : error instanceof Error ? error.message : String(error)
  const status = httpStatusOf(error)
  return {
    ...(status !== undefined ? { status } : {}),
    ...(typeof errorType === 'string' ? { errorType } : {}),
    // Vendor text: bounded so one odd answer cannot bloat the permanent ledger.
    message: message.slice(0, 1000),
    ...(typeof e.requestID === 'string' ? { requestId: e.requestID } : {}),
  }
}

/** One line for messages and logs: `404 not_found_error: session … not found`, else the error's message. */
export function describeApiError(error: unknown): string {
  const { status, errorType, message } = apiErrorFields(error)
  if (status === undefined) return describeError(error)
  return `${status}${errorType ? ` ${errorType}` : ''}: ${message}`
}
