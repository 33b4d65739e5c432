import { z } from 'zod'
import { sha256Hex } from '../shared/index.js'
import { LedgerError } from './errors.js'
import type { Checkpoint, LedgerEntry } from './ledger.types.js'

// Rows come back from a database the verifier does not trust: every field is checked here.
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')
const seqSchema = z
  .union([z.string().regex(/^[0-9]{1,16}$/), z.number().int(), z.bigint()])
  .transform((value, ctx) => {
    const n = Number(value)
    if (!Number.isSafeInteger(n) || n < 1) {
      ctx.addIssue({ code: 'custom', message: 'seq must be a positive safe integer' })
      return z.NEVER
    }
    return n
  })

/** A ledger_entries row as selected by the store (`body` as text). @internal */
export const entryRowSchema = z.object({
  chain: z.string().min(1),
  seq: seqSchema,
  ts: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'must be RFC 3339 with ms and Z'),
  type: z.string().min(1),
  body: z.string(),
  prev: hex64,
  hash: hex64,
})
export type EntryRow = z.infer<typeof entryRowSchema>

const HEX64 = /^[0-9a-f]{64}$/
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const SEQ_TEXT = /^[0-9]{1,16}$/

/**
 * The same checks as {@link entryRowSchema} for a row as the store selects it (seq as text or number,
 * body as text), written out by hand: the verifier runs it on every row of a chain, where the generic
 * parser's per-row cost is measurable. Returns null when the row does not match; callers fall back to
 * the schema for anything else.
 *
 * @internal
 */
export function parseStoredRow(raw: unknown): EntryRow | null {
  // Rows come from a database the verifier does not trust.
  if (typeof raw !== 'object' || raw === null) return null
  const r = raw as Record<string, unknown>
  const seqRaw = r.seq
  const seq =
    typeof seqRaw === 'string' && SEQ_TEXT.test(seqRaw)
      ? Number(seqRaw)
      : typeof seqRaw === 'number'
        ? seqRaw
        : Number.NaN
  if (!Number.isSafeInteger(seq) || seq < 1) return null
  const { chain, ts, type, body, prev, hash } = r
  if (typeof chain !== 'string' || chain.length === 0) return null
  if (typeof ts !== 'string' || !TS.test(ts)) return null
  if (typeof type !== 'string' || type.length === 0) return null
  if (typeof body !== 'string') return null
  if (typeof prev !== 'string' || !HEX64.test(prev)) return null
  if (typeof hash !== 'string' || !HEX64.test(hash)) return null
  return { chain, seq, ts, type, body, prev, hash }
}

/** A ledger_checkpoints row. @internal */
export const checkpointRowSchema = z.object({
  chain: z.string().min(1),
  seq: seqSchema,
  hash: hex64,
  ts: z.string().min(1),
  key_id: z.string().regex(/^[0-9a-f]{16}$/),
  sig: z.string().min(1),
  public_key: z.string().min(1),
})
export type CheckpointRow = Checkpoint & { readonly public_key: string }

/**
 * Parses a JSON object from untrusted text without throwing a foreign error.
 *
 * @internal
 */
export function parseBodyText(text: string): Record<string, unknown> | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null
}

/** How a reader treats a body it cannot hand on safely. */
export interface DecodeOptions {
  /**
   * Deepest nesting a reader passes on (the ledger's body limit). A deeper body, which only a version
   * before admission limits could have stored, is replaced by an explicit `body_omitted` stand-in
   * instead of breaking the reader (JSON.stringify, the web UI); export and verify read it in full.
   * A stored body that is not a JSON object gets a stand-in too. Without it the body is returned in
   * full, whatever its depth, and a non-object body is LEDGER_ROW_INVALID.
   */
  readonly maxDepth?: number
}

/**
 * The body readers get in place of one they cannot pass on: it says why, and names the stored bytes
 * (`sha256` of the stored body text, which for a body Arbiter wrote is its canonical form, as
 * `arbiter export` writes it) so an auditor can find the full body in an export.
 */
export interface OmittedBody {
  readonly body_omitted: {
    /** `max_depth`: too deep to pass on; `not_object`: the stored body is not a JSON object (tampering). */
    readonly reason: 'max_depth' | 'not_object'
    readonly message: string
    readonly bytes: number
    readonly sha256: string
  }
}

/**
 * True when JSON `text` nests arrays and objects more than `maxDepth` levels (the top value counts as
 * one): a scan of the text, so a hostile depth costs no parsing and no stack.
 */
function textNestsDeeper(text: string, maxDepth: number): boolean {
  if (text.length <= 2 * maxDepth) return false // not enough brackets to get there
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

function omittedBody(
  text: string,
  reason: OmittedBody['body_omitted']['reason'],
  maxDepth: number,
): OmittedBody {
  return {
    body_omitted: {
      reason,
      message:
        reason === 'max_depth'
          ? `body nests deeper than ${maxDepth} levels (stored before admission limits); arbiter export and arbiter verify read it in full`
          : 'the stored body is not a JSON object, which no Arbiter version writes; run arbiter verify',
      bytes: Buffer.byteLength(text, 'utf8'),
      sha256: sha256Hex(text),
    },
  }
}

/**
 * The one decoder of stored entry rows (store reads, API queries, export): checks the envelope as the
 * verifier does, parses the body text (V8's JSON.parse is iterative, so depth cannot overflow it),
 * and, with `maxDepth`, stands in for a body too deep to pass on.
 *
 * @throws {LedgerError} LEDGER_ROW_INVALID when the row does not match the v1 format.
 * @internal
 */
export function decodeEntryRow(raw: unknown, options: DecodeOptions = {}): LedgerEntry {
  const row = parseStoredRow(raw) ?? parseRowSchema(raw)
  const stand = (reason: OmittedBody['body_omitted']['reason']) =>
    omittedBody(row.body, reason, options.maxDepth ?? 0) as unknown as Record<string, unknown>
  let body: Record<string, unknown> | null
  if (options.maxDepth !== undefined && textNestsDeeper(row.body, options.maxDepth)) body = stand('max_depth')
  else body = parseBodyText(row.body) ?? (options.maxDepth !== undefined ? stand('not_object') : null)
  if (!body)
    throw new LedgerError('LEDGER_ROW_INVALID', `ledger row ${row.chain}/${row.seq}: body is not an object`)
  return {
    v: 1,
    chain: row.chain,
    seq: row.seq,
    ts: row.ts,
    type: row.type,
    body,
    prev: row.prev,
    hash: row.hash,
  }
}

function parseRowSchema(raw: unknown): EntryRow {
  const parsed = entryRowSchema.safeParse(raw)
  if (!parsed.success)
    throw new LedgerError(
      'LEDGER_ROW_INVALID',
      `invalid ledger row: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim(),
    )
  return parsed.data
}
