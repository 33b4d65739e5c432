import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { ArbiterError } from './errors.js'

// `canonicalize` is CommonJS (`module.exports = fn`) while its typings claim an ESM default export;
// loading it through require gives the function itself under NodeNext resolution.
const canonicalize = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string | undefined

export type CanonicalJsonErrorCode = 'CANONICAL_JSON_INVALID'

/** A value cannot be put in RFC 8785 form (NaN, Infinity, lone surrogate, undefined, cycle…). */
export class CanonicalJsonError extends ArbiterError<CanonicalJsonErrorCode> {}

/**
 * Serialises a JSON value in RFC 8785 (JCS) canonical form; the one function every hash goes through.
 *
 * @throws {CanonicalJsonError} CANONICAL_JSON_INVALID for values JSON cannot carry exactly.
 * @example
 * canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined
  try {
    text = canonicalize(value)
  } catch (error) {
    throw new CanonicalJsonError(
      'CANONICAL_JSON_INVALID',
      `value cannot be canonicalised: ${String(error)}`,
      {
        cause: error,
      },
    )
  }
  if (text === undefined)
    throw new CanonicalJsonError('CANONICAL_JSON_INVALID', 'value is not JSON (undefined)')
  return text
}

/** Lowercase hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex')
}
