import { LedgerError } from './errors.js'
import { GENESIS_PREV } from './ledger.types.js'
import type { ChainFailure } from './verify.js'
import type { HashBatch } from './verify-hash-batch.js'
import type { SplitCheckpoints } from './verify-outcome.js'
import { isHex64, isTimestamp, plainAscii, startsAnObject, TS_LENGTH } from './verify-row-bytes.js'

// The reading half of the parallel verifier: rows arrive as PostgreSQL binary COPY tuples
// (seq int8, ts, type, body, prev, hash as text bytes; untrusted), are checked field by field as
// parseStoredRow does, linked (seq continuity, prev, checkpoints) and written, as the bytes of their
// canonical entry text, into batches for the hashing half. No JavaScript string or object is made per
// row on this path; a row that needs one (an unusual `type`) takes it.

/** A batch on its way to the hashing half, with what the reader knows of the row before it. @internal */
export interface RowBatch extends HashBatch {
  /** Stored hash of the row before the batch's first, or null before entry 1. */
  readonly prevHash: string | null
}

const FIELDS = 6
const HEADER = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')
// Member names around the envelope values, in RFC 8785 order (see entryCanonicalText in chain.ts).
const BODY_OPEN = Buffer.from('\0{"body":')
const AFTER_PREV = Buffer.from('","seq":')
const AFTER_SEQ = Buffer.from(',"ts":"')
const AFTER_TS = Buffer.from('","type":')
const CLOSE = Buffer.from(',"v":1}')
const TWO_32 = 4294967296

/**
 * Turns one chain's binary COPY tuples into hash batches, checking what needs no hash on the way.
 * After a failure it accepts nothing more; `failure` says what and where, `sentFailure` whether the
 * failing row itself went to the hashing half (a broken link or checkpoint: its hash is checked first).
 *
 * @internal
 * @example
 * const batcher = new RowBatcher('default', checkpoints, 1 << 20, (batch) => send(batch))
 * batcher.push(copyDataChunk)
 */
export class RowBatcher {
  /** Rows handed to the hashing half, in seq order from 1. */
  accepted = 0
  /** Tuples read, over every COPY. */
  rowsRead = 0
  failure: ChainFailure | null = null
  sentFailure = false
  firstTs: string | null = null
  private readonly chainPart: Buffer
  private readonly lastHash = Buffer.from(GENESIS_PREV, 'latin1')
  private headerSeen = false
  private ended = false
  private nextId = 0
  private data: Buffer
  private meta: Int32Array
  private pos = 0
  private count = 0
  private firstSeq = 1
  private prevHash: string | null = null
  private readonly spare: { data: Buffer; meta: Int32Array }[] = []
  private readonly fieldAt = new Int32Array(FIELDS)
  private readonly fieldLength = new Int32Array(FIELDS)

  constructor(
    chain: string,
    private readonly checkpoints: SplitCheckpoints,
    private readonly capacity: number,
    private readonly emit: (batch: RowBatch) => void,
  ) {
    this.chainPart = Buffer.from(`,"chain":${JSON.stringify(chain)},"prev":"`)
    this.data = Buffer.alloc(capacity)
    this.meta = new Int32Array(Math.ceil(capacity / 64) * 3)
  }

  /** True once a failure was met or the COPY trailer was read: later rows are not wanted. */
  get done(): boolean {
    return this.failure !== null || this.ended
  }

  /** Expects the header of a new COPY statement (the next keyset chunk). */
  startCopy(): void {
    this.headerSeen = false
    this.ended = false
  }

  /** The stored hash of the last row accepted (GENESIS_PREV before any). */
  lastHashHex(): string {
    return this.lastHash.toString('latin1', 0, 64)
  }

  /** Takes back the buffers of a batch the hashing half is finished with. */
  recycle(data: Uint8Array, meta: Int32Array): void {
    if (data.byteLength === this.capacity && this.spare.length < 8)
      this.spare.push({ data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), meta })
  }

  /**
   * Reads one CopyData message (PostgreSQL sends one per row; the first also carries the header).
   *
   * @throws {LedgerError} LEDGER_UNAVAILABLE when the bytes are not a binary COPY of the six columns.
   */
  push(chunk: Buffer): void {
    if (this.done) return
    let at = 0
    if (!this.headerSeen) {
      if (chunk.length < 19 || chunk.compare(HEADER, 0, 11, 0, 11) !== 0)
        throw copyError('no binary COPY header')
      at = 19 + chunk.readInt32BE(15)
      this.headerSeen = true
    }
    if (at + 2 > chunk.length) throw copyError('short tuple')
    const fields = chunk.readInt16BE(at)
    if (fields === -1) {
      this.ended = true
      return
    }
    if (fields !== FIELDS) throw copyError(`expected ${FIELDS} columns, got ${fields}`)
    this.rowsRead += 1
    this.row(chunk, at + 2)
  }

  /** Sends the rows gathered so far. */
  flush(): void {
    if (this.count === 0) return
    const batch: RowBatch = {
      id: this.nextId++,
      firstSeq: this.firstSeq,
      count: this.count,
      data: this.data,
      meta: this.meta,
      prevHash: this.prevHash,
    }
    const next = this.spare.pop()
    this.data = next?.data ?? Buffer.alloc(this.capacity)
    this.meta = next?.meta ?? new Int32Array(Math.ceil(this.capacity / 64) * 3)
    this.pos = 0
    this.count = 0
    this.firstSeq = this.accepted + 1
    this.prevHash = this.lastHash.toString('latin1', 0, 64)
    this.emit(batch)
  }

  private row(b: Buffer, at: number): void {
    // Six length-prefixed fields; -1 would be NULL, which the schema forbids and a tamperer may not.
    const offsets = this.fieldAt
    const lengths = this.fieldLength
    let p = at
    for (let f = 0; f < FIELDS; f++) {
      if (p + 4 > b.length) throw copyError('short tuple')
      const len = b.readInt32BE(p)
      p += 4
      if (len > 0 && p + len > b.length) throw copyError('short tuple')
      offsets[f] = p
      lengths[f] = len
      if (len > 0) p += len
    }
    const seqAt = offsets[0]!
    const tsAt = offsets[1]!
    const typeAt = offsets[2]!
    const bodyAt = offsets[3]!
    const prevAt = offsets[4]!
    const hashAt = offsets[5]!
    const seqLen = lengths[0]!
    const tsLen = lengths[1]!
    const typeLen = lengths[2]!
    const bodyLen = lengths[3]!
    const prevLen = lengths[4]!
    const hashLen = lengths[5]!
    const hi = seqLen === 8 ? b.readInt32BE(seqAt) : -1
    const seq = hi >= 0 ? hi * TWO_32 + b.readUInt32BE(seqAt + 4) : Number.NaN
    const expected = this.accepted + 1
    const linked = prevLen === 64 && b.compare(this.lastHash, 0, 64, prevAt, prevAt + 64) === 0
    if (
      !Number.isSafeInteger(seq) ||
      seq < 1 ||
      tsLen !== TS_LENGTH ||
      !isTimestamp(b, tsAt) ||
      typeLen < 1 ||
      bodyLen < 0 ||
      prevLen !== 64 ||
      // A prev equal to the last row's (checked) hash is hex; only another one needs the scan.
      (!linked && !isHex64(b, prevAt)) ||
      hashLen !== 64 ||
      !isHex64(b, hashAt)
    ) {
      const s = Number.isSafeInteger(seq) && seq >= 1 ? seq : expected
      this.fail(s, 'hash_mismatch', `entry at seq ${s} is malformed`, false)
      return
    }
    if (seq > expected) {
      this.fail(expected, 'gap', `entry ${expected} is missing (next present is ${seq})`, false)
      return
    }
    if (seq < expected) {
      this.fail(seq, 'broken_link', `entry ${seq} appears again after ${expected - 1}`, false)
      return
    }
    // The format's body is an object: its text starts with `{`.
    if (!startsAnObject(b, bodyAt, bodyAt + bodyLen)) {
      this.fail(seq, 'hash_mismatch', `entry ${seq} has a body that is not a JSON object`, false)
      return
    }
    const type = plainAscii(b, typeAt, typeAt + typeLen)
      ? null
      : Buffer.from(JSON.stringify(b.toString('utf8', typeAt, typeAt + typeLen)))
    this.write(b, seq, bodyAt, bodyLen, prevAt, tsAt, typeAt, typeLen, type, hashAt)
    if (seq === 1) this.firstTs = b.toString('latin1', tsAt, tsAt + TS_LENGTH)
    // Checked after the hash (the hashing half reports a mismatch of this row first).
    if (!linked) {
      this.fail(seq, 'broken_link', `prev of entry ${seq} is not the hash of entry ${seq - 1}`, true)
      return
    }
    const named = this.checkpoints.valid.get(seq)
    if (named) {
      const stored = b.toString('latin1', hashAt, hashAt + 64)
      if (named.some((cp) => cp.hash !== stored)) {
        this.fail(
          seq,
          'checkpoint_mismatch',
          `a signed checkpoint names a different hash for entry ${seq}`,
          true,
        )
        return
      }
    }
    b.copy(this.lastHash, 0, hashAt, hashAt + 64)
  }

  private write(
    b: Buffer,
    seq: number,
    bodyAt: number,
    bodyLen: number,
    prevAt: number,
    tsAt: number,
    typeAt: number,
    typeLen: number,
    type: Buffer | null,
    hashAt: number,
  ): void {
    const seqText = String(seq)
    // The text, then room for the whole tuple: it is copied in once (one native copy) and the text is
    // assembled from it with copyWithin, which costs less than a copy per field from pg's buffer.
    const text = 64 + BODY_OPEN.length + bodyLen + this.chainPart.length + 64 + 64 + typeLen * 6 + 64
    const need = text + b.length
    if (this.pos + need > this.data.length || 3 * (this.count + 1) > this.meta.length) {
      this.flush()
      if (need > this.data.length) {
        this.data = Buffer.alloc(need)
        this.meta = new Int32Array(3)
      }
    }
    const d = this.data
    const t = this.pos + text
    d.set(b, t)
    let p = this.pos
    d.copyWithin(p, t + hashAt, t + hashAt + 64)
    p += 64
    const start = p
    d.set(BODY_OPEN, p)
    p += BODY_OPEN.length
    d.copyWithin(p, t + bodyAt, t + bodyAt + bodyLen)
    p += bodyLen
    const bodyEnd = p
    d.set(this.chainPart, p)
    p += this.chainPart.length
    d.copyWithin(p, t + prevAt, t + prevAt + 64)
    p += 64
    d.set(AFTER_PREV, p)
    p += AFTER_PREV.length
    for (let i = 0; i < seqText.length; i++) d[p++] = seqText.charCodeAt(i)
    d.set(AFTER_SEQ, p)
    p += AFTER_SEQ.length
    d.copyWithin(p, t + tsAt, t + tsAt + TS_LENGTH)
    p += TS_LENGTH
    d.set(AFTER_TS, p)
    p += AFTER_TS.length
    if (type) {
      d.set(type, p)
      p += type.length
    } else {
      d[p++] = 0x22
      d.copyWithin(p, t + typeAt, t + typeAt + typeLen)
      p += typeLen
      d[p++] = 0x22
    }
    d.set(CLOSE, p)
    p += CLOSE.length
    const m = 3 * this.count
    this.meta[m] = start
    this.meta[m + 1] = p
    this.meta[m + 2] = bodyEnd
    this.pos = p
    this.count += 1
    this.accepted += 1
  }

  private fail(seq: number, kind: ChainFailure['kind'], message: string, sent: boolean): void {
    this.failure = { seq, kind, message }
    this.sentFailure = sent
    // A row that failed after it was written is not accepted: the report's count stops before it.
    if (sent) this.accepted -= 1
  }
}

function copyError(what: string): LedgerError {
  return new LedgerError('LEDGER_UNAVAILABLE', `unexpected binary COPY data from the database: ${what}`)
}
