import {
  canonicalJson,
  DEFAULT_BODY_LIMITS,
  findJsonProblem,
  type JsonLimits,
  sha256Hex,
} from '../shared/index.js'
import { LedgerError } from './errors.js'
import type { LedgerEntry, UnhashedEntry } from './ledger.types.js'

/** Chain ids: safe as file names in an anchor directory and in URLs. */
export const CHAIN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
/** Entry types: short identifiers such as `decision` or `approval_request`. */
export const ENTRY_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/

/**
 * Checks a chain id and throws when it is malformed.
 *
 * @throws {LedgerError} LEDGER_REQUEST_INVALID
 * @example
 * assertChainId('tenant-42')
 */
export function assertChainId(chain: unknown): asserts chain is string {
  if (typeof chain !== 'string' || !CHAIN_ID_PATTERN.test(chain))
    throw new LedgerError(
      'LEDGER_REQUEST_INVALID',
      `chain id must match ${CHAIN_ID_PATTERN.source}, got ${JSON.stringify(String(chain)).slice(0, 80)}`,
    )
}

/**
 * Admits an entry body: a JSON object that every reader and both verifiers can process and the
 * database can store, within `limits` (depth and size: a reader pays per level, PostgreSQL's json
 * type refuses lone surrogates and U+0000). Returns its RFC 8785 text and the body as stored (undefined
 * members dropped, toJSON applied).
 *
 * @throws {LedgerError} LEDGER_BODY_INVALID naming the broken rule and where, e.g. `[max_depth]`.
 * @internal
 */
export function admitBody(
  body: unknown,
  limits: JsonLimits = DEFAULT_BODY_LIMITS,
): { readonly text: string; readonly body: Record<string, unknown> } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new LedgerError('LEDGER_BODY_INVALID', 'entry body must be a JSON object')
  let text: string
  try {
    text = canonicalJson(body)
  } catch (error) {
    throw new LedgerError('LEDGER_BODY_INVALID', `entry body is not canonical JSON: ${String(error)}`, {
      cause: error,
    })
  }
  // The limits apply to what is stored, i.e. the canonical form read back (toJSON applied).
  const stored = JSON.parse(text) as Record<string, unknown>
  // A large double is stored exactly (RFC 8785 writes it as ECMAScript does): only unsafe as input.
  const problem = findJsonProblem(stored, { ...limits, unsafeIntegers: limits.unsafeIntegers ?? 'allow' })
  if (problem)
    throw new LedgerError('LEDGER_BODY_INVALID', `entry body refused: ${problem.message} [${problem.kind}]`)
  return { text, body: stored }
}

/**
 * Returns the RFC 8785 text of an entry body, refusing anything {@link admitBody} refuses.
 *
 * @throws {LedgerError} LEDGER_BODY_INVALID
 * @example
 * canonicalBody({ b: 1, a: 2 }) // '{"a":2,"b":1}'
 */
export function canonicalBody(body: unknown, limits: JsonLimits = DEFAULT_BODY_LIMITS): string {
  return admitBody(body, limits).text
}

/**
 * The exact text that is hashed: RFC 8785 form of `{v, chain, seq, ts, type, body, prev}`. Members are
 * written in JCS order (body, chain, prev, seq, ts, type, v); `bodyText` must already be canonical.
 * The format only: bodies are admitted (limits, storable text) by the store, with `canonicalBody`.
 *
 * @example
 * entryCanonicalText({ v: 1, chain: 'c', seq: 1, ts, type: 't', body: {}, prev: GENESIS_PREV }, '{}')
 */
export function entryCanonicalText(entry: UnhashedEntry, bodyText = canonicalJson(entry.body)): string {
  // The envelope members are a validated string or a safe integer, whose RFC 8785 form is exactly what
  // JSON.stringify prints; calling it directly keeps this hot path (append and verify) cheap.
  return (
    `{"body":${bodyText},"chain":${JSON.stringify(entry.chain)},"prev":${JSON.stringify(entry.prev)},` +
    `"seq":${entrySeqText(entry.seq)},"ts":${JSON.stringify(entry.ts)},"type":${JSON.stringify(entry.type)},"v":1}`
  )
}

function entrySeqText(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new LedgerError('LEDGER_REQUEST_INVALID', `seq must be a positive safe integer, got ${seq}`)
  return String(seq)
}

/**
 * Computes an entry's `hash`: lowercase hex SHA-256 of the UTF-8 bytes of its canonical text.
 *
 * @example
 * const hash = hashEntry(unhashed)
 */
export function hashEntry(entry: UnhashedEntry, bodyText?: string): string {
  return sha256Hex(entryCanonicalText(entry, bodyText))
}

/**
 * Builds the next entry of a chain from the previous hash, assigning `hash`.
 *
 * @example
 * const first = linkEntry({ chain: 'c', seq: 1, ts, type: 'decision', body, prev: GENESIS_PREV })
 */
export function linkEntry(
  fields: Omit<UnhashedEntry, 'v'>,
  bodyText: string = canonicalJson(fields.body),
): LedgerEntry {
  const unhashed: UnhashedEntry = { v: 1, ...fields }
  return { ...unhashed, hash: hashEntry(unhashed, bodyText) }
}
