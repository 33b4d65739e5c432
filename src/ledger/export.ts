import { canonicalJson } from '../shared/index.js'
import { assertChainId } from './chain.js'
import { LedgerError } from './errors.js'
import type { Ledger, LedgerEntry } from './ledger.types.js'

export type ExportFormat = 'jsonl' | 'csv'

export interface ExportOptions {
  readonly format: ExportFormat
  /** One chain; default every chain in name order. */
  readonly chain?: string
  readonly fromSeq?: number
  readonly toSeq?: number
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
 * Streams an export as lines (without newlines), in chain then seq order; CSV starts with a header.
 *
 * @throws {LedgerError} LEDGER_EXPORT_INVALID for a bad range or format.
 * @example
 * for await (const line of exportLines(ledger, { format: 'jsonl', chain: 'default' })) process.stdout.write(`${line}\n`)
 */
export async function* exportLines(ledger: Ledger, options: ExportOptions): AsyncIterable<string> {
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
  const chains = options.chain ? [options.chain] : (await ledger.listChains()).map((head) => head.chain)
  if (options.format === 'csv') yield CSV_COLUMNS.join(',')
  const line = options.format === 'csv' ? toCsvLine : toJsonLine
  const range = {
    ...(options.fromSeq !== undefined ? { fromSeq: options.fromSeq } : {}),
    ...(options.toSeq !== undefined ? { toSeq: options.toSeq } : {}),
  }
  for (const chain of chains) for await (const entry of ledger.entries(chain, range)) yield line(entry)
}
