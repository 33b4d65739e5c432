import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import { type BundleArchive, createBundleArchive } from '../bundle-archive.js'
import { publicKeyFromBase64 } from '../checkpoint.js'
import { listCosignatures, type StoredCosignature } from '../cosignature-store.js'
import { LedgerError } from '../errors.js'
import { toJsonLine } from '../export.js'
import type { LedgerEntry } from '../ledger.types.js'
import type { LedgerDatabase } from '../schema.js'
import { ed25519VerifierKey, openNote, parseCheckpoint, parseNote, parseVerifierKey } from '../tlog/index.js'
import { type CosignerKey, parseCosignerVkey, verifyCosignatureLine } from '../witness/index.js'
import { type EvidenceSummary, evidenceReadme } from './evidence-readme.js'

/** Where the evidence comes from. */
export interface EvidenceSource {
  readonly db: Kysely<LedgerDatabase>
  /** The chain's entries in seq order (the ledger's `entries`). */
  readonly entries: (chain: string) => AsyncIterable<LedgerEntry>
  /** Base64 Ed25519 public keys the log has signed checkpoints with (`ledger_checkpoints.public_key`). */
  readonly logPublicKeys: readonly string[]
  /** Inclusion proof of leaf `index` in the chain's tree of `size` leaves. */
  readonly proveInclusion: (chain: string, index: number, size: number) => Promise<Buffer[]>
  /** Where the bundles the entries name are looked up (default: the archive in `db`, migration 0104). */
  readonly bundles?: Pick<BundleArchive, 'get'>
}

/** What to put in the pack: a chain and a period (RFC 3339, inclusive). */
export interface EvidenceRequest {
  readonly chain: string
  readonly from: string
  readonly to: string
  /** Only cosignatures by these witnesses count (default: every stored one that verifies). */
  readonly witnesses?: readonly CosignerKey[]
  readonly now: Date
}

/** The pack's files (name → bytes) and its summary. */
export interface EvidenceFiles {
  readonly files: ReadonlyMap<string, Buffer>
  readonly summary: EvidenceSummary
}

const bad = (message: string) => new LedgerError('LEDGER_EXPORT_INVALID', message)

/** The contiguous seq range from the first entry at or after `from` to the last at or before `to`. */
async function entriesOfPeriod(source: EvidenceSource, req: EvidenceRequest): Promise<LedgerEntry[]> {
  const all: LedgerEntry[] = []
  let first = -1
  let last = -1
  for await (const e of source.entries(req.chain)) {
    all.push(e)
    if (first < 0 && e.ts >= req.from) first = all.length - 1
    if (e.ts >= req.from && e.ts <= req.to) last = all.length - 1
  }
  if (first < 0 || last < first) throw bad(`chain ${req.chain} has no entries from ${req.from} to ${req.to}`)
  return all.slice(first, last + 1)
}

/** The witnessed checkpoint covering `lastSeq` with the most valid cosignatures (then the largest). */
function chooseCheckpoint(
  rows: readonly StoredCosignature[],
  lastSeq: number,
  trusted?: readonly CosignerKey[],
) {
  const groups = new Map<
    string,
    { note: string; size: number; lines: Map<string, { line: string; vkey: string }> }
  >()
  for (const row of rows) {
    if (row.treeSize < lastSeq) continue
    let key: CosignerKey
    try {
      key = parseCosignerVkey(row.witnessVkey)
    } catch {
      continue
    }
    if (trusted && !trusted.some((t) => t.vkey === key.vkey)) continue
    const text = parseNote(row.note).text
    if (!verifyCosignatureLine(text, row.cosignature, key)) continue // the table is not trusted
    const id = `${row.treeSize}/${row.rootHash}`
    const group = groups.get(id) ?? { note: row.note, size: row.treeSize, lines: new Map() }
    group.lines.set(key.vkey, { line: row.cosignature, vkey: key.vkey })
    groups.set(id, group)
  }
  const best = [...groups.values()].sort((a, b) => b.lines.size - a.lines.size || b.size - a.size)[0]
  if (!best)
    throw bad(
      `no witnessed checkpoint covers seq ${lastSeq} yet (submit a checkpoint to the witnesses first)`,
    )
  return best
}

/** The log's verifier key: the public key whose note signature on `note` verifies. */
function logVkeyOf(note: string, publicKeys: readonly string[]): string {
  const origin = parseCheckpoint(parseNote(note).text).origin
  for (const pk of new Set(publicKeys)) {
    const vkey = ed25519VerifierKey(origin, publicKeyFromBase64(pk))
    try {
      openNote(note, [parseVerifierKey(vkey)])
      return vkey
    } catch {
      // another key
    }
  }
  throw bad(`no known log key verifies the checkpoint of ${origin}`)
}

/** One item of `bundles/bundles.json`: `file` is the bundle's path in the pack, or null when not archived. */
interface BundleItem {
  readonly sha256: string
  readonly revision: string | null
  readonly file: string | null
}

/** The bundles the entries name, as `{ sha256 → revision }` in first-named order. */
function namedBundles(entries: readonly LedgerEntry[]): Map<string, string | null> {
  const named = new Map<string, string | null>()
  for (const e of entries) {
    const body = e.body as Record<string, unknown>
    const ref = (e.type === 'policy_loaded' ? body : body.bundle) as Record<string, unknown> | undefined
    if (ref && typeof ref.sha256 === 'string')
      named.set(ref.sha256, typeof ref.revision === 'string' ? ref.revision : null)
  }
  return named
}

/**
 * The bundles in force: each named bundle's archived bytes as `bundles/<sha256>.tar.gz` when the archive
 * holds it; a bundle archived before migration 0104 existed (or never loaded here) stays `file: null`.
 * `archive.get` re-hashes the bytes, so a corrupted archive row fails the pack instead of entering it.
 */
async function bundlesInForce(entries: readonly LedgerEntry[], archive: Pick<BundleArchive, 'get'>) {
  const items: BundleItem[] = []
  const files = new Map<string, Buffer>()
  for (const [sha256, revision] of namedBundles(entries)) {
    const archived = await archive.get(sha256)
    const file = archived ? `bundles/${sha256}.tar.gz` : null
    if (archived && file) files.set(file, Buffer.from(archived.bytes))
    items.push({ sha256, revision, file })
  }
  return { items, files }
}

/**
 * Collects an evidence pack's files: the entries of the period, an inclusion proof for each against
 * one witnessed checkpoint, that checkpoint with its cosignatures, the keys, the bundles named (with
 * their archived bytes when the bundle archive holds them), and a README; `manifest.json` lists every other file's SHA-256. Verifier scripts are added by the writer.
 *
 * @throws {LedgerError} LEDGER_EXPORT_INVALID when the period is empty or no witnessed checkpoint covers it;
 *   LEDGER_ROW_INVALID when an archived bundle's bytes no longer hash to its SHA-256.
 * @example
 * const { files } = await collectEvidence(source, { chain: 'default', from, to, now: new Date() })
 */
export async function collectEvidence(source: EvidenceSource, req: EvidenceRequest): Promise<EvidenceFiles> {
  const entries = await entriesOfPeriod(source, req)
  const firstSeq = entries[0]!.seq
  const lastSeq = entries[entries.length - 1]!.seq
  const chosen = chooseCheckpoint(await listCosignatures(source.db, req.chain), lastSeq, req.witnesses)
  const { text } = parseNote(chosen.note)
  const { origin, size } = parseCheckpoint(text)
  const logVkey = logVkeyOf(chosen.note, source.logPublicKeys)
  const lines = [...chosen.lines.values()]
  const bundles = await bundlesInForce(entries, source.bundles ?? createBundleArchive(source.db))
  const proofs: string[] = []
  for (const e of entries) {
    const hashes = await source.proveInclusion(req.chain, e.seq - 1, size)
    proofs.push(
      `${JSON.stringify({ seq: e.seq, tree_size: size, hashes: hashes.map((h) => h.toString('base64')) })}\n`,
    )
  }
  const summary: EvidenceSummary = {
    chain: req.chain,
    origin,
    from: req.from,
    to: req.to,
    entries: entries.length,
    firstSeq,
    lastSeq,
    treeSize: size,
    cosignatures: lines.length,
    logVkey,
    witnessVkeys: lines.map((l) => l.vkey),
    bundlesIncluded: bundles.items.filter((b) => b.file).map((b) => b.sha256),
    bundlesMissing: bundles.items.filter((b) => !b.file).map((b) => b.sha256),
  }
  const files = new Map<string, Buffer>([
    ['checkpoint.txt', Buffer.from(`${chosen.note}${lines.map((l) => `${l.line}\n`).join('')}`)],
    ['entries.jsonl', Buffer.from(entries.map((e) => `${toJsonLine(e)}\n`).join(''))],
    ['proofs.jsonl', Buffer.from(proofs.join(''))],
    ['keys/log.vkey', Buffer.from(`${logVkey}\n`)],
    ['keys/witnesses.vkeys', Buffer.from(lines.map((l) => `${l.vkey}\n`).join(''))],
    ['bundles/bundles.json', Buffer.from(`${JSON.stringify(bundles.items, null, 2)}\n`)],
    ...bundles.files,
    ['README.md', Buffer.from(evidenceReadme(summary))],
  ])
  return { files, summary }
}

/**
 * `manifest.json` for `files`: the format, the summary and every file's SHA-256.
 *
 * @example
 * files.set('manifest.json', evidenceManifest(files, summary, new Date()))
 */
export function evidenceManifest(
  files: ReadonlyMap<string, Buffer>,
  summary: EvidenceSummary,
  now: Date,
): Buffer {
  const digests = Object.fromEntries(
    [...files]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, bytes]) => [name, createHash('sha256').update(bytes).digest('hex')]),
  )
  const manifest = {
    format: 'arbiter-evidence/v1',
    created_at: now.toISOString(),
    ...summary,
    files: digests,
  }
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)
}
