import { z } from 'zod'
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

/**
 * Turns a stored row into a {@link LedgerEntry}.
 *
 * @throws {LedgerError} LEDGER_ROW_INVALID when the row does not match the v1 format.
 * @internal
 */
export function toLedgerEntry(raw: unknown): LedgerEntry {
  const parsed = entryRowSchema.safeParse(raw)
  if (!parsed.success)
    throw new LedgerError(
      'LEDGER_ROW_INVALID',
      `invalid ledger row: ${parsed.error.issues[0]?.message ?? ''}`,
    )
  const row = parsed.data
  const body = parseBodyText(row.body)
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
