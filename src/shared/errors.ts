/**
 * Base class of every error Arbiter throws on purpose. Each module owns a literal union of
 * stable `code`s so callers (and the HTTP layer) can branch without parsing messages.
 *
 * @example
 * try { await ledger.append(req) } catch (e) { if (e instanceof ArbiterError && e.code === 'LEDGER_UNAVAILABLE') retryLater() }
 */
export class ArbiterError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = new.target.name
  }
}

export type ValidationErrorCode = 'VALIDATION_FAILED' | 'PAYLOAD_TOO_LARGE'

/** Input from outside did not match its schema; `issues` lists every failing path. */
export class ValidationError extends ArbiterError<ValidationErrorCode> {
  constructor(
    message: string,
    readonly issues: ReadonlyArray<{ path: string; message: string }> = [],
    code: ValidationErrorCode = 'VALIDATION_FAILED',
  ) {
    super(code, message)
  }
}

/** Turns anything thrown (opa-wasm throws plain strings) into a readable one-line message. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error)
  } catch {
    return String(error)
  }
}
