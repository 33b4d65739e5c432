import { type Clock, canonicalJson, systemClock, toRfc3339Millis } from '../shared/index.js'
import { assertChainId } from './chain.js'
import { LedgerError } from './errors.js'
import type { LedgerEntry, SeqRange, VerifiableLedger } from './ledger.types.js'
import { checkpointRowSchema, decodeEntryRow } from './row.js'

export type ExportFormat = 'jsonl' | 'csv'

export interface ExportOptions {
  readonly format: ExportFormat
  /** One chain; default every chain in name order. */
  readonly chain?: string
  readonly fromSeq?: number
  readonly toSeq?: number
  /** Stamps `exported_at` on the JSONL end line (default: the system clock). */
  readonly clock?: Clock
}

/** Column order of the CSV export. */
export const CSV_COLUMNS = ['chain', 'seq', 'ts', 'type', 'prev', 'hash', 'body'] as const

/**
 * One JSONL line: the v1 entry plus `hash`, in RFC 8785 form (so the line itself is canonical).
 *
 * @example
 * toJsonLine(entry) // '{"body":{…},"chain":"default","hash":"…","prev":"…","seq":1,"ts":"…","type":"decision","v":1}'
 */
export function toJsonLine(entry: LedgerEntry): string {
  return canonicalJson({
    v: 1,
    chain: entry.chain,
    seq: entry.seq,
    ts: entry.ts,
    type: entry.type,
    body: entry.body,
    prev: entry.prev,
    hash: entry.hash,
  })
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/**
 * One CSV record (RFC 4180 quoting); `body` is its canonical JSON text.
 *
 * @example
 * toCsvLine(entry) // 'default,1,2026-…,decision,000…,ab12…,"{""decision_id"":""d1""}"'
 */
export function toCsvLine(entry: LedgerEntry): string {
  return [
    entry.chain,
    String(entry.seq),
    entry.ts,
    entry.type,
    entry.prev,
    entry.hash,
    canonicalJson(entry.body),
  ]
    .map(csvField)
    .join(',')
}

/**
 * The checkpoint lines of one chain for a JSONL export: `{"checkpoint":{…stored checkpoint…}}`, for
 * each checkpointed seq inside the range the newest signature (an idle chain is re-signed every
 * interval; older signatures over the same entry add nothing), oldest seq first. Rows that do not
 * parse are exported as stored, for the verifier to reject.
 */
function checkpointLines(rows: readonly unknown[], range: SeqRange): string[] {
  const newest = new Map<number, Record<string, unknown>>()
  const malformed: unknown[] = []
  for (const row of rows) {
    const parsed = checkpointRowSchema.safeParse(row)
    if (!parsed.success) {
      malformed.push(row)
      continue
    }
    const cp = parsed.data
    if (
      (range.fromSeq !== undefined && cp.seq < range.fromSeq) ||
      (range.toSeq !== undefined && cp.seq > range.toSeq)
    )
      continue
    const seen = newest.get(cp.seq)
    if (!seen || String(seen.ts) <= cp.ts) newest.set(cp.seq, { ...cp })
  }
  const ordered = [...newest.entries()].sort(([a], [b]) => a - b).map(([, cp]) => cp)
  return [...ordered, ...malformed].map((checkpoint) => canonicalJson({ checkpoint }))
}

/**
 * One export line for a stored row. A row the v1 format cannot describe (tampering, a foreign writer)
 * is exported as stored, not dropped and not a reason to cut the export: the verifiers reject it there.
 */
function exportLine(row: unknown, jsonl: boolean): string {
  try {
    const entry = decodeEntryRow(row)
    return jsonl ? toJsonLine(entry) : toCsvLine(entry)
  } catch (error) {
    if (!(error instanceof LedgerError) || error.code !== 'LEDGER_ROW_INVALID') throw error
  }
  const r = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>
  const text = typeof r.body === 'string' ? r.body : ''
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON at all: exported as the string it is
  }
  const seq = /^[0-9]{1,16}$/.test(String(r.seq)) ? Number(r.seq) : String(r.seq)
  const fields = {
    chain: String(r.chain),
    seq,
    ts: String(r.ts),
    type: String(r.type),
    prev: String(r.prev),
    hash: String(r.hash),
  }
  if (jsonl) return canonicalJson({ v: 1, ...fields, body })
  return [fields.chain, String(seq), fields.ts, fields.type, fields.prev, fields.hash, text]
    .map(csvField)
    .join(',')
}

function checkOptions(options: ExportOptions): void {
  if (options.format !== 'jsonl' && options.format !== 'csv')
    throw new LedgerError(
      'LEDGER_EXPORT_INVALID',
      `format must be jsonl or csv, got ${String(options.format)}`,
    )
  for (const bound of [options.fromSeq, options.toSeq])
    if (bound !== undefined && (!Number.isSafeInteger(bound) || bound < 1))
      throw new LedgerError(
        'LEDGER_EXPORT_INVALID',
        `sequence bounds must be positive integers, got ${bound}`,
      )
  if (options.fromSeq !== undefined && options.toSeq !== undefined && options.fromSeq > options.toSeq)
    throw new LedgerError(
      'LEDGER_EXPORT_INVALID',
      `--from-seq ${options.fromSeq} is after --to-seq ${options.toSeq}`,
    )
  if (options.chain !== undefined) assertChainId(options.chain)
}

/**
 * Streams an export as lines (without newlines), in chain (every chain the database knows, by name)
 * then seq order. CSV: a header, then one
 * record per entry. JSONL: per chain its checkpoint lines then its entry lines, and last an end line
 * `{"export_end":{"checkpoints":…,"entries":…,"exported_at":…}}`, so a verifier can tell a complete
 * export from a cut one (docs/ledger-format.md, "Export"). Bodies of any depth are exported in full.
 *
 * @throws {LedgerError} LEDGER_EXPORT_INVALID for a bad range or format. A stored row the v1 format
 *   cannot describe is exported as stored (the verifiers reject it), never a reason to cut the stream.
 * @example
 * for await (const line of exportLines(ledger, { format: 'jsonl', chain: 'default' })) process.stdout.write(`${line}\n`)
 */
export async function* exportLines(ledger: VerifiableLedger, options: ExportOptions): AsyncIterable<string> {
  checkOptions(options)
  // Chains known only from checkpoints are exported too (their checkpoints, no entries): a verifier
  // then sees a chain whose entries are gone.
  const chains = options.chain ? [options.chain] : await ledger.knownChains()
  const jsonl = options.format === 'jsonl'
  if (!jsonl) yield CSV_COLUMNS.join(',')
  const range: SeqRange = {
    ...(options.fromSeq !== undefined ? { fromSeq: options.fromSeq } : {}),
    ...(options.toSeq !== undefined ? { toSeq: options.toSeq } : {}),
  }
  let entries = 0
  let checkpoints = 0
  for (const chain of chains) {
    if (jsonl) {
      for (const line of checkpointLines(await ledger.checkpoints(chain), range)) {
        checkpoints += 1
        yield line
      }
    }
    for await (const row of ledger.rawRows(chain, range)) {
      entries += 1
      yield exportLine(row, jsonl)
    }
  }
  if (jsonl) {
    const exportedAt = toRfc3339Millis((options.clock ?? systemClock).now())
    yield canonicalJson({ export_end: { checkpoints, entries, exported_at: exportedAt } })
  }
}
