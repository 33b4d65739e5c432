import { ArbiterError } from '../shared/index.js'

/**
 * Stable codes of every failure the ledger reports on purpose.
 * - `LEDGER_UNAVAILABLE`: the database could not be reached or dropped the connection; nothing in the
 *   failed batch was acknowledged (it may or may not have committed; verify shows which).
 * - `LEDGER_WRITE_FAILED`: the database refused the entry for another reason (check, trigger, data).
 * - `LEDGER_DUPLICATE`: a unique link was already recorded (a second outcome for one decision, a second
 *   decision for one vendor event…, migration 0101); the entry was not stored.
 * - `LEDGER_BODY_INVALID`: the body is not a JSON object that RFC 8785 can canonicalise, or breaks the
 *   body limits (depth, size, a lone surrogate or U+0000: what a reader or the database cannot take).
 * - `LEDGER_REQUEST_INVALID`: chain id or entry type is malformed.
 * - `LEDGER_CLOSED`: append after `close()`.
 * - `LEDGER_ROW_INVALID`: a row read back from the database does not match the v1 format.
 * - `LEDGER_KEY_INVALID`: a signing or redaction key is missing or malformed.
 * - `LEDGER_CHECKPOINT_FAILED`: a checkpoint could not be signed, stored or anchored.
 * - `LEDGER_MIGRATION_FAILED`: a schema migration failed or could not be loaded.
 * - `LEDGER_EXPORT_INVALID`: bad export options (range, format).
 * - `LEDGER_CHAIN_NOT_FOUND`: a chain named for verification is known nowhere (database, anchors,
 *   expected chains).
 * - `LEDGER_VERIFY_WORKER_FAILED`: the thread that hashes entries for `verify` failed or died; the
 *   chain is reported as not verified (an error, never a valid report).
 */
export type LedgerErrorCode =
  | 'LEDGER_UNAVAILABLE'
  | 'LEDGER_WRITE_FAILED'
  | 'LEDGER_DUPLICATE'
  | 'LEDGER_BODY_INVALID'
  | 'LEDGER_REQUEST_INVALID'
  | 'LEDGER_CLOSED'
  | 'LEDGER_ROW_INVALID'
  | 'LEDGER_KEY_INVALID'
  | 'LEDGER_CHECKPOINT_FAILED'
  | 'LEDGER_MIGRATION_FAILED'
  | 'LEDGER_NOT_MIGRATED'
  | 'LEDGER_EXPORT_INVALID'
  | 'LEDGER_CHAIN_NOT_FOUND'
  | 'LEDGER_VERIFY_WORKER_FAILED'

/** A ledger failure with a stable {@link LedgerErrorCode}. */
export class LedgerError extends ArbiterError<LedgerErrorCode> {}

// SQLSTATE classes that mean "the server or the connection went away", not "the statement was wrong".
const UNAVAILABLE_SQLSTATE = /^(08|53|57P|58)/
const UNAVAILABLE_MESSAGE =
  /(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|Connection terminated|connection.*(closed|ended)|not queryable|closed|timeout)/i

const UNIQUE_VIOLATION = '23505'

/**
 * Wraps a database error thrown while writing into a {@link LedgerError}.
 *
 * @internal
 */
export function toWriteError(error: unknown, what: string): LedgerError {
  if (error instanceof LedgerError) return error
  const code =
    typeof error === 'object' && error !== null && 'code' in error
      ? String((error as { code: unknown }).code)
      : ''
  const message = error instanceof Error ? error.message : String(error)
  const first = message.split('\n')[0]
  if (code === UNIQUE_VIOLATION)
    return new LedgerError('LEDGER_DUPLICATE', `${what} refused: already recorded (${first})`, {
      cause: error,
    })
  const unavailable = UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_MESSAGE.test(`${code} ${message}`)
  return new LedgerError(
    unavailable ? 'LEDGER_UNAVAILABLE' : 'LEDGER_WRITE_FAILED',
    `${what} failed: ${first}`,
    {
      cause: error,
    },
  )
}
