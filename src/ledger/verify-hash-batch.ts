import { hash } from 'node:crypto'

// The hashing half of the parallel verifier (verify-parallel.ts): it runs in a worker thread (or
// inline for a chain of one batch) and imports nothing but node:crypto, so the worker stays small.
// `crypto.hash` is the one-shot digest: per call it costs far less than createHash().update().digest(),
// and a string output ('hex', 'binary') less than a Buffer.

/**
 * One batch of rows as the reader (verify-row-batch.ts) lays them out in `data`: for row i,
 * `meta[3i]` is the offset of a 0x00 byte followed by the entry's canonical text (so the chain hash is
 * SHA-256 of `data[start+1, end)` and the RFC 9162 leaf hash is SHA-256 of `data[start, end)`),
 * `meta[3i+1]` the end of the text, `meta[3i+2]` the end of the body inside it; the 64 bytes before
 * `start` are the row's stored `hash` (untrusted). Rows have consecutive seqs from `firstSeq`.
 *
 * @internal
 */
export interface HashBatch {
  readonly id: number
  readonly firstSeq: number
  readonly count: number
  readonly data: Uint8Array
  readonly meta: Int32Array
}

/** What hashing a batch found. @internal */
export interface HashBatchResult {
  readonly id: number
  /** Rows of the batch whose hash matched, from its start (all of them unless `mismatch` is set). */
  readonly verified: number
  /** The seq of the first row whose content does not hash to its stored `hash`, if any. */
  readonly mismatch: number | null
  /** The Merkle root (hex) after each claimed size reached in this batch. */
  readonly roots: readonly { readonly size: number; readonly root: string }[]
}

/** Canonicalises a stored body text (the slow path for a body not stored in RFC 8785 form). */
export type Canonicaliser = (bodyText: string) => string | null

/**
 * The right edge of the Merkle tree (the same algorithm as the store's MerkleFrontier, which the tests
 * compare it with), kept as 32-character latin1 strings: appending a leaf costs one short string per
 * hash and two native writes into one preallocated node buffer, at a million leaves a run.
 *
 * @internal
 * @example
 * const f = new LeafFrontier()
 * f.append(leafBytesWithPrefix)
 * f.rootHex()
 */
export class LeafFrontier {
  // The root of each complete subtree on the right edge, largest first.
  private readonly edge: string[] = []
  // 0x01 ‖ left ‖ right: the input of an interior hash.
  private readonly node = Buffer.alloc(65, 0x01)
  private count = 0

  /** Leaves appended so far. */
  get size(): number {
    return this.count
  }

  /** Appends the leaf whose hash input (0x00 ‖ leaf bytes) is `prefixed`. */
  append(prefixed: Uint8Array): void {
    this.appendHash(hash('sha256', prefixed, 'binary'))
  }

  /** Appends a leaf hash given as a 32-character latin1 string. */
  appendHash(leaf: string): void {
    let h = leaf
    let index = this.count
    // Every trailing 1 bit of the new leaf's index closes a subtree with the edge node to its left.
    while (index % 2 === 1) {
      h = this.interior(this.edge.pop()!, h)
      index = (index - 1) / 2
    }
    this.edge.push(h)
    this.count += 1
  }

  /** RFC 9162 root of the tree so far, as lowercase hex (SHA-256 of nothing when empty). */
  rootHex(): string {
    const edge = this.edge
    if (edge.length === 0) return hash('sha256', '', 'hex')
    let h = edge[edge.length - 1]!
    for (let d = edge.length - 2; d >= 0; d--) h = this.interior(edge[d]!, h)
    return Buffer.from(h, 'latin1').toString('hex')
  }

  private interior(left: string, right: string): string {
    this.node.write(left, 1, 32, 'latin1')
    this.node.write(right, 33, 32, 'latin1')
    return hash('sha256', this.node, 'binary')
  }
}

const BODY_START = Buffer.from('\0{"body":')

/**
 * Checks each row's chain hash and appends its leaf, for one chain's batches in order.
 *
 * @internal
 * @example
 * const checker = new HashChecker([10, 20])
 * const result = checker.check(batch, canonicalise)
 */
export class HashChecker {
  readonly frontier = new LeafFrontier()
  private readonly claimed: ReadonlySet<number>
  private stopped = false

  constructor(claimedSizes: Iterable<number> = []) {
    this.claimed = new Set(claimedSizes)
  }

  /**
   * Hashes the rows of `batch`, stopping at the first whose content does not give its stored hash.
   * A row whose stored body bytes do not hash right is retried with the body's canonical form (a
   * store that reformatted JSON), which needs `canonicalise`; without one, the result asks for it
   * (`needsCanonical`) and the caller runs the batch again from that row with one.
   */
  check(
    batch: HashBatch,
    canonicalise: Canonicaliser | null,
    from = 0,
    roots: { size: number; root: string }[] = [],
  ): HashBatchResult | { readonly needsCanonical: number; readonly roots: typeof roots } {
    const { data, meta } = batch
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    for (let i = from; i < batch.count; i++) {
      if (this.stopped) return { id: batch.id, verified: i, mismatch: batch.firstSeq + i, roots }
      const start = meta[3 * i]!
      const end = meta[3 * i + 1]!
      const stored = buf.toString('latin1', start - 64, start)
      if (hash('sha256', buf.subarray(start + 1, end), 'hex') === stored)
        this.frontier.append(buf.subarray(start, end))
      else {
        if (!canonicalise) return { needsCanonical: i, roots }
        const text = this.canonicalText(buf, start, end, meta[3 * i + 2]!, canonicalise)
        if (text === null || hash('sha256', text, 'hex') !== stored) {
          this.stopped = true
          return { id: batch.id, verified: i, mismatch: batch.firstSeq + i, roots }
        }
        // The leaf bytes are the text whose hash matched: the canonical form.
        this.frontier.append(Buffer.concat([Buffer.from([0]), Buffer.from(text, 'utf8')]))
      }
      const size = batch.firstSeq + i
      if (this.claimed.has(size)) roots.push({ size, root: this.frontier.rootHex() })
    }
    return { id: batch.id, verified: batch.count, mismatch: null, roots }
  }

  /** The entry text with its body re-canonicalised; null when the body is not a JSON object. */
  private canonicalText(
    buf: Buffer,
    start: number,
    end: number,
    bodyEnd: number,
    canonicalise: Canonicaliser,
  ): string | null {
    const body = canonicalise(buf.toString('utf8', start + BODY_START.length, bodyEnd))
    return body === null ? null : `{"body":${body}${buf.toString('utf8', bodyEnd, end)}`
  }
}
