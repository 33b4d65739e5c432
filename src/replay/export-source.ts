import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { type ChainReport, type TrustedKey, verifyEntries } from '../ledger/index.js'
import { describeError } from '../shared/index.js'
import { ReplayError } from './errors.js'
import type { ReplayBatch } from './replay-worker.js'

/** What verifying an export found: every chain verified, and the SHA-256 of the file as read. */
export interface VerifiedExport {
  readonly sha256: string
  readonly chains: readonly ChainReport[]
  readonly entries: number
}

function refuse(message: string, cause?: unknown): ReplayError {
  return new ReplayError('REPLAY_EXPORT_INVALID', `export refused: ${message}`, cause ? { cause } : undefined)
}

/** The file's lines, streamed, with the SHA-256 of all its bytes and whether it ended with a newline. */
async function* linesOf(
  path: string,
  done: (sha256: string, endsWithNewline: boolean) => void,
): AsyncIterable<string> {
  const hash = createHash('sha256')
  let last = -1
  const stream = createReadStream(path)
  stream.on('data', (chunk) => {
    const bytes = chunk as Buffer
    hash.update(bytes)
    if (bytes.length > 0) last = bytes[bytes.length - 1]!
  })
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }))
      yield line
  } catch (error) {
    throw refuse(`cannot read ${path}: ${describeError(error)}`, error)
  }
  done(hash.digest('hex'), last === 0x0a)
}

type Parsed =
  | { kind: 'entry'; chain: string; seq: number; row: Record<string, unknown> }
  | { kind: 'checkpoint'; chain: string; checkpoint: unknown }
  | { kind: 'end'; checkpoints: number; entries: number }

// Each line is attacker-controlled bytes (the export may have been doctored): parsed and checked here.
function parseLine(line: string, n: number): Parsed {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw refuse(`line ${n} is not JSON`)
  }
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  if ('checkpoint' in v) {
    const cp = v.checkpoint as { chain?: unknown } | null
    return { kind: 'checkpoint', chain: String(cp?.chain), checkpoint: cp }
  }
  if ('export_end' in v) {
    const end = v.export_end as { checkpoints?: unknown; entries?: unknown } | null
    return { kind: 'end', checkpoints: Number(end?.checkpoints), entries: Number(end?.entries) }
  }
  if (typeof v.chain !== 'string' || typeof v.seq !== 'number') throw refuse(`line ${n} is not an entry`)
  // The canonical line holds the body's canonical text verbatim, ending where the top-level `chain`
  // member starts (the members after `body` are flat strings and numbers): hashing that text is the
  // verifier's fast path; any other text falls back to re-canonicalising the parsed body.
  const at = line.lastIndexOf(',"chain":')
  const bodyText = line.startsWith('{"body":') && at > 8 ? line.slice(8, at) : JSON.stringify(v.body)
  return { kind: 'entry', chain: v.chain, seq: v.seq, row: { ...v, body: bodyText } }
}

/**
 * Verifies a JSONL export (`arbiter export --format jsonl`) before anything trusts it: per chain, every
 * hash, link and seq from 1, and the checkpoints it carries (against `trustedKeys` when given, else
 * against the keys they carry); the end line must be last and its counts must match. Streams the
 * file: constant memory.
 *
 * @throws {ReplayError} REPLAY_EXPORT_INVALID naming the first problem (a doctored entry, a cut export).
 * @example
 * const verified = await verifyExportFile('ledger.jsonl', { trustedKeys })
 */
export async function verifyExportFile(
  path: string,
  options: { readonly trustedKeys?: readonly TrustedKey[] } = {},
): Promise<VerifiedExport> {
  let sha256 = ''
  let newline = false
  const lines = linesOf(path, (digest, ends) => {
    sha256 = digest
    newline = ends
  })[Symbol.asyncIterator]()
  let n = 0
  const at: { current: Parsed | null } = { current: null }
  const advance = async (): Promise<void> => {
    const next = await lines.next()
    n += 1
    at.current = next.done ? null : parseLine(next.value, n)
  }
  await advance()
  const reports: ChainReport[] = []
  const checkpoints = new Map<string, unknown[]>()
  let end: Extract<Parsed, { kind: 'end' }> | null = null
  let seenCheckpoints = 0
  let entries = 0
  const done = new Set<string>()
  while (at.current !== null) {
    const line: Parsed = at.current
    if (end) throw refuse(`line ${n} follows the end line`)
    if (line.kind === 'end') {
      end = line
      await advance()
      continue
    }
    if (line.kind === 'checkpoint') {
      seenCheckpoints += 1
      const list = checkpoints.get(line.chain) ?? []
      list.push(line.checkpoint)
      checkpoints.set(line.chain, list)
      await advance()
      continue
    }
    const chain = line.chain
    if (done.has(chain)) throw refuse(`chain ${chain} appears twice`)
    done.add(chain)
    async function* rowsOfChain(): AsyncIterable<unknown> {
      for (let c = at.current; c !== null && c.kind === 'entry' && c.chain === chain; c = at.current) {
        entries += 1
        yield c.row
        await advance()
      }
    }
    const report = await verifyEntries(rowsOfChain(), {
      chain,
      checkpoints: checkpoints.get(chain) ?? [],
      ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
    })
    if (!report.ok)
      throw refuse(
        `chain ${chain} seq ${report.failure?.seq} ${report.failure?.kind}: ${report.failure?.message}`,
      )
    // A failure stops verifyEntries early; a success consumed the chain's lines.
    reports.push(report)
  }
  if (n <= 1) throw refuse('export is empty')
  if (!end || !newline) throw refuse('export truncated: no end line')
  const closing = end as Extract<Parsed, { kind: 'end' }>
  if (closing.entries !== entries || closing.checkpoints !== seenCheckpoints)
    throw refuse(
      `export truncated: the end line counts ${closing.entries} entries and ${closing.checkpoints} checkpoints, the file has ${entries} and ${seenCheckpoints}`,
    )
  for (const chain of checkpoints.keys())
    if (!done.has(chain)) throw refuse(`chain ${chain} has checkpoints but no entries`)
  return { sha256, chains: reports, entries }
}

/**
 * Streams a verified export's lines as worker batches, and fails at the end if the file's bytes are not
 * the ones verified (it changed in between): a report is never built from unverified bytes.
 *
 * @throws {ReplayError} REPLAY_EXPORT_INVALID when the file changed after verification.
 * @example
 * const verified = await verifyExportFile(path)
 * await runReplay({ candidate, source: exportBatches(path, verified.sha256), recordedBundle })
 */
export async function* exportBatches(
  path: string,
  verifiedSha256: string,
  batchLines = 500,
): AsyncIterable<ReplayBatch> {
  let sha256 = ''
  let batch: string[] = []
  for await (const line of linesOf(path, (digest) => {
    sha256 = digest
  })) {
    batch.push(line)
    if (batch.length >= batchLines) {
      yield { lines: batch }
      batch = []
    }
  }
  if (sha256 !== verifiedSha256) throw refuse(`${path} changed after it was verified`)
  if (batch.length > 0) yield { lines: batch }
}
