import { z } from 'zod'
import { canonicalJson, sha256Hex } from '../shared/index.js'
import { entryCanonicalText } from './chain.js'
import type { TrustedKey } from './checkpoint.js'
import { GENESIS_PREV } from './ledger.types.js'
import { entryRowSchema, parseBodyText, parseStoredRow } from './row.js'
import type { MerkleVerifier } from './verify-merkle.js'
import { concludeChain, splitCheckpoints } from './verify-outcome.js'

/** The kinds of break `verify` reports (docs/ledger-format.md, "Verification algorithm"). */
export type BreakKind =
  | 'hash_mismatch'
  | 'broken_link'
  | 'gap'
  | 'checkpoint_mismatch'
  | 'truncated'
  | 'bad_signature'
  | 'stale_checkpoint'
  | 'missing_chain'
  | 'merkle_mismatch'

/** The first place a chain fails verification. */
export interface ChainFailure {
  readonly seq: number
  readonly kind: BreakKind
  readonly message: string
}

/** The outcome of verifying one chain. */
export interface ChainReport {
  readonly chain: string
  readonly ok: boolean
  /** Entries read and checked (up to the first failure). */
  readonly entries: number
  /** The last verified entry, or null for an empty chain. */
  readonly head: { readonly seq: number; readonly hash: string } | null
  /** Checkpoints whose signature verified (database and anchor files together). */
  readonly checkpoints: number
  readonly failure: ChainFailure | null
}

export interface VerifyEntriesOptions {
  readonly chain: string
  /** Rebuilds the chain's Merkle tree and checks the roots it was given (see verify-merkle.ts). */
  readonly merkle?: MerkleVerifier
  /** Checkpoints from the database and anchor files; untrusted, parsed here. Other chains' are ignored. */
  readonly checkpoints?: Iterable<unknown>
  /**
   * Pinned keys: when given, a checkpoint counts only when signed by one of them (an empty list trusts
   * none). Without it, each checkpoint is checked against the public key it carries, which proves only
   * that someone signed it.
   */
  readonly trustedKeys?: readonly TrustedKey[]
  /**
   * Require a recent checkpoint: a chain with entries whose newest valid checkpoint is older than
   * `maxAgeMs` at `now` (or that has none while its first entry is that old) is `stale_checkpoint`.
   */
  readonly freshness?: { readonly now: Date; readonly maxAgeMs: number }
  /** The chain is known to exist (anchor files, a pinned expectation): no entries is `missing_chain`. */
  readonly expected?: boolean
  /**
   * Also prove every stored body is in RFC 8785 form by re-canonicalising it (slower). Without it, an
   * entry passes when its stored body bytes hash to its `hash` (what Arbiter writes: the canonical
   * text, kept verbatim), which detects every change to stored bytes just the same.
   */
  readonly deep?: boolean
  /** Called every `progressEvery` entries with the count so far. */
  readonly onProgress?: (entries: number) => void
  readonly progressEvery?: number
}

// Entries may arrive as stored rows (body text) or as parsed entries (body object).
const objectBody = entryRowSchema.extend({ body: z.record(z.string(), z.unknown()) })

/**
 * The RFC 8785 text of a body given as stored text or as an object; null when it is not a JSON object
 * that can be canonicalised (untrusted input: never throws).
 *
 * @internal
 */
export function bodyTextOf(body: string | Record<string, unknown>): string | null {
  if (typeof body !== 'string') {
    try {
      return canonicalJson(body)
    } catch {
      return null
    }
  }
  const parsed = parseBodyText(body)
  if (!parsed) return null
  try {
    return canonicalJson(parsed)
  } catch {
    return null
  }
}

function startsAnObject(text: string): boolean {
  let i = 0
  let c = text.charCodeAt(0)
  // JSON whitespace: space, tab, line feed, carriage return.
  while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = text.charCodeAt(++i)
  return c === 0x7b
}

/**
 * Verifies one chain from its entries in seq order (streamed, constant memory) and its checkpoints:
 * recomputes every hash, checks seq continuity from 1, `prev` links, checkpoint signatures, and that
 * every checkpoint names an entry that exists with that hash. Pure: does no I/O of its own.
 * Reports the failure with the lowest seq.
 *
 * @example
 * const report = await verifyEntries(store.rows('default'), { chain: 'default', checkpoints })
 * if (!report.ok) console.log(report.failure?.kind, report.failure?.seq)
 */
export async function verifyEntries(
  rows: AsyncIterable<unknown> | Iterable<unknown>,
  options: VerifyEntriesOptions,
): Promise<ChainReport> {
  const { chain } = options
  const cps = splitCheckpoints(chain, options.checkpoints ?? [], options.trustedKeys)
  const every = options.progressEvery ?? 10_000
  let expected = 1
  let prev = GENESIS_PREV
  let count = 0
  let failure: ChainFailure | null = null
  let firstTs: string | null = null
  const fail = (seq: number, kind: BreakKind, message: string) => {
    failure = { seq, kind, message }
  }
  for await (const raw of rows) {
    // Rows come from a database we do not trust: parse before use.
    const row = parseStoredRow(raw) ?? entryRowSchema.safeParse(raw).data ?? objectBody.safeParse(raw).data
    if (!row) {
      const seq = Number((raw as { seq?: unknown })?.seq) || expected
      fail(seq, 'hash_mismatch', `entry at seq ${seq} is malformed`)
      break
    }
    if (row.chain !== chain) {
      fail(row.seq, 'broken_link', `entry at seq ${row.seq} belongs to chain ${row.chain}`)
      break
    }
    if (row.seq > expected) {
      fail(expected, 'gap', `entry ${expected} is missing (next present is ${row.seq})`)
      break
    }
    if (row.seq < expected) {
      fail(row.seq, 'broken_link', `entry ${row.seq} appears again after ${expected - 1}`)
      break
    }
    const unhashed = {
      v: 1 as const,
      chain,
      seq: row.seq,
      ts: row.ts,
      type: row.type,
      body: {},
      prev: row.prev,
    }
    // The format's body is an object: its text starts with `{` (a cheap check per row).
    if (typeof row.body === 'string' && !startsAnObject(row.body)) {
      fail(row.seq, 'hash_mismatch', `entry ${row.seq} has a body that is not a JSON object`)
      break
    }
    // Fast path: the stored text is the canonical text the writer hashed. Otherwise (or in deep mode)
    // hash the canonical form of the parsed body, exactly as the format defines it.
    const stored = typeof row.body === 'string' && !options.deep ? row.body : null
    let text = stored === null ? null : entryCanonicalText(unhashed, stored)
    let computed = text === null ? null : sha256Hex(text)
    if (computed !== row.hash) {
      const bodyText = bodyTextOf(row.body)
      text = bodyText === null ? null : entryCanonicalText(unhashed, bodyText)
      computed = text === null ? null : sha256Hex(text)
    }
    if (computed !== row.hash) {
      fail(row.seq, 'hash_mismatch', `hash of entry ${row.seq} does not match its content`)
      break
    }
    if (row.prev !== prev) {
      fail(row.seq, 'broken_link', `prev of entry ${row.seq} is not the hash of entry ${row.seq - 1}`)
      break
    }
    const named = cps.valid.get(row.seq)
    if (named?.some((cp) => cp.hash !== row.hash)) {
      fail(row.seq, 'checkpoint_mismatch', `a signed checkpoint names a different hash for entry ${row.seq}`)
      break
    }
    // The leaf bytes are the text just hashed: the Merkle tree is rebuilt as the chain is read.
    const merkleProblem = options.merkle && text !== null ? options.merkle.add(row.seq, text) : null
    if (merkleProblem) {
      fail(row.seq, 'merkle_mismatch', merkleProblem)
      break
    }
    prev = row.hash
    if (count === 0) firstTs = row.ts
    count += 1
    expected += 1
    if (options.onProgress && count % every === 0) options.onProgress(count)
  }
  options.onProgress?.(count)
  return concludeChain({
    chain,
    checkpoints: cps,
    count,
    head: count > 0 ? { seq: expected - 1, hash: prev } : null,
    failure,
    firstTs,
    ...(options.expected ? { expected: true } : {}),
    ...(options.freshness ? { freshness: options.freshness } : {}),
  })
}
