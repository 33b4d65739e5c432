import {
  assertAdmissibleJson,
  DEFAULT_ARGUMENT_LIMITS,
  type JsonLimits,
  ValidationError,
} from '../shared/index.js'

/** What a tool call must stay within to be evaluated and recorded at all. */
export interface AdmissionLimits extends JsonLimits {
  /** Largest serialized `arguments`, bytes. */
  readonly maxArgumentBytes: number
}

/** Depth 32, 10,000 values per field, 256 KiB of arguments. */
export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = Object.freeze({
  ...DEFAULT_ARGUMENT_LIMITS,
  maxArgumentBytes: 256 * 1024,
})

/**
 * Refuses a tool call that any reader downstream could not safely handle, before anything else
 * reads it: every field (`arguments`, `context`, `agent`, `principal`, `session`, `tool`, `runtime`)
 * must be plain JSON within `limits` (depth, number of values) and hold nothing the database cannot
 * store or JSON cannot carry exactly (a lone UTF-16 surrogate, U+0000, an integer beyond ±(2^53 − 1)).
 * The whole call is attacker-controlled, not only its arguments. The check is iterative and stops at
 * the first problem, so its cost is bounded by the limits, not by the input. Anything that is not an
 * object is left to the schema, which refuses it.
 *
 * @throws {ValidationError} VALIDATION_FAILED naming the field, the JSON pointer and the limit
 *   (`max_depth`, `max_nodes`, `lone_surrogate`, `nul_character`, `unsafe_integer`, `not_json`).
 * @example
 * admitToolCall(JSON.parse(body), DEFAULT_ADMISSION_LIMITS)
 */
export function admitToolCall(raw: unknown, limits: JsonLimits): void {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return
  for (const [field, value] of Object.entries(raw)) assertAdmissibleJson(value, limits, field)
}

/**
 * Refuses `arguments` whose JSON text is longer than `maxArgumentBytes`. The length of
 * `JSON.stringify` equals that of the RFC 8785 form the ledger stores (same string and number
 * syntax, only the member order differs), at a fraction of the cost.
 *
 * @throws {ValidationError} PAYLOAD_TOO_LARGE.
 * @example
 * assertArgumentBytes(input.arguments, 256 * 1024)
 */
export function assertArgumentBytes(args: Record<string, unknown>, maxArgumentBytes: number): void {
  if (Buffer.byteLength(JSON.stringify(args)) > maxArgumentBytes)
    throw new ValidationError(
      `tool call arguments exceed ${maxArgumentBytes} bytes`,
      [{ path: 'arguments', message: 'too large' }],
      'PAYLOAD_TOO_LARGE',
    )
}
