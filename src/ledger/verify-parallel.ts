import { Worker } from 'node:worker_threads'
import type pg from 'pg'
import { describeError, workerEntry } from '../shared/index.js'
import { LedgerError } from './errors.js'
import { CopyOut } from './pg-copy-out.js'
import type { ChainFailure, ChainReport, VerifyEntriesOptions } from './verify.js'
import { bodyTextOf } from './verify.js'
import type { HashBatchResult } from './verify-hash-batch.js'
import { HashChecker } from './verify-hash-batch.js'
import type { FromHashWorker, HashWorkerData, ToHashWorker } from './verify-hash-worker.js'
import { type ClaimedRoot, rootMismatch } from './verify-merkle.js'
import { concludeChain, type SplitCheckpoints } from './verify-outcome.js'
import { type RowBatch, RowBatcher } from './verify-row-batch.js'

// The verifier for a chain on PostgreSQL, on two cores: this thread reads the rows (binary COPY, in
// keyset chunks), checks and links them and lays out their canonical text in batches; a worker thread
// hashes each entry (chain hash and Merkle leaf) and grows the Merkle tree. Same checks, same first
// failure, same report as verifyEntries; docs/ledger-format.md, "Verification algorithm".

import type { CopyChunkSql, PostgresChainSource } from './verify-postgres-source.js'

export interface ParallelVerifyOptions
  extends Pick<VerifyEntriesOptions, 'expected' | 'freshness' | 'onProgress' | 'progressEvery'> {
  readonly chain: string
  readonly checkpoints: SplitCheckpoints
  /** Roots claimed by signed notes: checked when the tree reaches their size. */
  readonly claims: readonly ClaimedRoot[]
  /** Bytes of canonical text per batch (default 1 MiB). A chain that fits in one is hashed inline. */
  readonly batchBytes?: number
  /** Rows per COPY statement (default 250,000). */
  readonly chunkRows?: number
  /** Sees the hashing thread once started (tests stop it to prove a dead thread fails verify). */
  readonly onWorker?: (worker: Worker) => void
}

/** The report, and the Merkle root (hex) of the entries read when they all verified. */
export interface ParallelVerifyOutcome {
  readonly report: ChainReport
  readonly root: string | null
}

const IN_FLIGHT = 4

/** A failure with where it falls in the stream: rows before it, then which check of that row. */
interface Ranked {
  readonly failure: ChainFailure
  readonly position: number
  /** Within one row: its hash (0), its links (1), the Merkle root at its size (2). */
  readonly rank: number
  readonly headHash: string | null
}

/**
 * Verifies one chain read from PostgreSQL through `client` with the entry hashing on a second thread.
 *
 * @throws {LedgerError} LEDGER_VERIFY_WORKER_FAILED when the hashing thread fails or dies (never a
 *   valid report); LEDGER_UNAVAILABLE for a COPY stream that is not what was asked for; driver errors
 *   as thrown by `pg`.
 * @example
 * const { report, root } = await verifyInParallel(await source.pool.connect(), source, options)
 */
export async function verifyInParallel(
  client: pg.PoolClient,
  source: Pick<PostgresChainSource, 'chunkSql' | 'prelude' | 'end'>,
  options: ParallelVerifyOptions,
): Promise<ParallelVerifyOutcome> {
  const run = new ParallelRun(client, options)
  let failed = true
  try {
    for (const statement of source.prelude) await client.query(statement)
    const outcome = await run.verify(source.chunkSql)
    await client.query(source.end)
    failed = false
    return outcome
  } finally {
    await run.close(failed)
  }
}

class ParallelRun {
  private readonly batcher: RowBatcher
  private readonly inline: HashChecker
  private readonly claimsBySize = new Map<number, ClaimedRoot[]>()
  private readonly inFlight = new Map<number, RowBatch>()
  private worker: Worker | null = null
  private copy: CopyOut | null = null
  private streaming = false
  private abandoned = false
  private verified = 0
  private progressMark = 0
  private found: Ranked | null = null
  private fatal: Error | null = null
  private wake: (() => void) | null = null
  private rootWaiter: ((root: string) => void) | null = null

  constructor(
    private readonly client: pg.PoolClient,
    private readonly options: ParallelVerifyOptions,
  ) {
    for (const c of options.claims)
      this.claimsBySize.set(c.size, [...(this.claimsBySize.get(c.size) ?? []), c])
    this.inline = new HashChecker(this.claimsBySize.keys())
    this.batcher = new RowBatcher(
      options.chain,
      options.checkpoints,
      options.batchBytes ?? 1 << 20,
      (batch) => this.dispatch(batch),
    )
  }

  async verify(chunkSql: CopyChunkSql): Promise<ParallelVerifyOutcome> {
    const chunk = this.options.chunkRows ?? 250_000
    for (;;) {
      const before = this.batcher.rowsRead
      this.batcher.startCopy()
      this.copy = new CopyOut(chunkSql(this.batcher.accepted, chunk), (data) => this.read(data))
      this.streaming = true
      this.client.query(this.copy)
      await Promise.race([this.copy.done, this.until(() => this.stopReading())])
      this.streaming = false
      if (this.stopReading()) {
        // Rows of this COPY are still on their way: the connection is dropped, not drained.
        this.abandoned = true
        break
      }
      if (this.batcher.rowsRead - before < chunk) break
    }
    this.batcher.flush()
    await this.until(() => this.inFlight.size === 0 || this.fatal !== null)
    if (this.fatal) throw this.fatal
    const failure = this.firstFailure()
    const count = failure ? failure.position : this.batcher.accepted
    const headHash = failure ? failure.headHash : this.batcher.lastHashHex()
    const report = concludeChain({
      chain: this.options.chain,
      checkpoints: this.options.checkpoints,
      count,
      head: count > 0 && headHash !== null ? { seq: count, hash: headHash } : null,
      failure: failure?.failure ?? null,
      firstTs: this.batcher.firstTs,
      ...(this.options.expected ? { expected: true } : {}),
      ...(this.options.freshness ? { freshness: this.options.freshness } : {}),
    })
    this.options.onProgress?.(count)
    return { report, root: report.ok ? await this.root() : null }
  }

  async close(failed: boolean): Promise<void> {
    const worker = this.worker
    this.worker = null
    if (worker) await worker.terminate()
    // A COPY cut short leaves the connection mid-protocol: it is closed, not returned to the pool.
    this.client.release(failed || this.abandoned || this.fatal !== null ? true : undefined)
  }

  /** Stop asking PostgreSQL for rows: a failure is known, or the run cannot go on. */
  private stopReading(): boolean {
    return this.fatal !== null || this.found !== null || this.batcher.failure !== null
  }

  private read(data: Buffer): void {
    if (this.stopReading()) return
    try {
      this.batcher.push(data)
    } catch (error) {
      this.fatal = error as Error
    }
    if (this.stopReading()) this.poke()
  }

  private until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve()
    return new Promise((resolve) => {
      const check = () => {
        if (test()) resolve()
        else this.wake = check
      }
      this.wake = check
    })
  }

  private poke(): void {
    const wake = this.wake
    this.wake = null
    wake?.()
  }

  private dispatch(batch: RowBatch): void {
    if (this.found || this.fatal) return
    // A chain that fits in one batch is hashed here: no thread to start for a short chain.
    if (!this.worker && !this.streaming && batch.id === 0) {
      this.settle(batch, this.runInline(batch))
      return
    }
    const worker = this.worker ?? this.startWorker()
    this.inFlight.set(batch.id, batch)
    const message: ToHashWorker = {
      kind: 'batch',
      id: batch.id,
      firstSeq: batch.firstSeq,
      count: batch.count,
      data: batch.data.buffer as ArrayBuffer,
      meta: batch.meta.buffer as ArrayBuffer,
    }
    worker.postMessage(message, [message.data, message.meta])
    if (this.inFlight.size >= IN_FLIGHT) this.copy?.pause()
  }

  private runInline(batch: RowBatch): HashBatchResult {
    const result = this.inline.check(batch, bodyTextOf)
    if ('needsCanonical' in result) throw new Error('unreachable: a canonicaliser was given')
    return result
  }

  private startWorker(): Worker {
    const entry = workerEntry(import.meta.url, 'verify-hash-worker')
    const workerData: HashWorkerData = { claimedSizes: [...this.claimsBySize.keys()] }
    const worker = new Worker(entry.filename, { eval: entry.eval, workerData, stdin: false })
    worker.on('message', (message: FromHashWorker) => {
      if (message.kind === 'root') {
        this.rootWaiter?.(message.root)
        return
      }
      const batch = this.inFlight.get(message.result.id)
      if (!batch) return
      this.inFlight.delete(message.result.id)
      const data = new Uint8Array(message.data)
      const meta = new Int32Array(message.meta)
      this.settle({ ...batch, data, meta }, message.result)
      this.batcher.recycle(data, meta)
      if (this.inFlight.size < IN_FLIGHT) this.copy?.resume()
      this.poke()
    })
    const died = (why: string, cause?: unknown) => {
      if (this.worker !== worker) return
      this.fatal ??= new LedgerError(
        'LEDGER_VERIFY_WORKER_FAILED',
        `the hashing thread of verify failed (${why}); chain ${this.options.chain} is not verified`,
        cause === undefined ? undefined : { cause },
      )
      this.poke()
      this.rootWaiter?.('')
    }
    worker.on('error', (error) => died(describeError(error), error))
    worker.on('exit', (code) => died(`it exited with code ${code}`))
    this.worker = worker
    this.options.onWorker?.(worker)
    return worker
  }

  /** Records what hashing one batch found (rows, a hash mismatch, roots at claimed sizes). */
  private settle(batch: RowBatch, result: HashBatchResult): void {
    const hashAt = (index: number): string | null => {
      if (index < 0) return batch.prevHash
      const start = batch.meta[3 * index]!
      return Buffer.from(batch.data.buffer, batch.data.byteOffset).toString('latin1', start - 64, start)
    }
    for (const { size, root } of result.roots) {
      const problem = rootMismatch(this.claimsBySize.get(size) ?? [], Buffer.from(root, 'hex'))
      if (problem)
        this.note({
          failure: { seq: size, kind: 'merkle_mismatch', message: problem },
          position: size - 1,
          rank: 2,
          headHash: hashAt(size - 1 - batch.firstSeq),
        })
    }
    if (result.mismatch !== null)
      this.note({
        failure: {
          seq: result.mismatch,
          kind: 'hash_mismatch',
          message: `hash of entry ${result.mismatch} does not match its content`,
        },
        position: result.mismatch - 1,
        rank: 0,
        headHash: hashAt(result.verified - 1),
      })
    this.verified += result.verified
    const every = this.options.progressEvery ?? 10_000
    if (this.options.onProgress && this.verified - this.progressMark >= every) {
      this.progressMark = this.verified
      this.options.onProgress(this.verified)
    }
  }

  private note(candidate: Ranked): void {
    if (!this.found || before(candidate, this.found)) this.found = candidate
  }

  /** The first failure in stream order: the hashing half's, or the reader's own. */
  private firstFailure(): Ranked | null {
    const own = this.batcher.failure
    const mine: Ranked | null = own
      ? {
          failure: own,
          // A row that failed its links was hashed too: a mismatch of that same row comes first.
          position: this.batcher.sentFailure ? own.seq - 1 : this.batcher.accepted,
          rank: 1,
          headHash: this.batcher.accepted > 0 ? this.batcher.lastHashHex() : null,
        }
      : null
    if (!mine) return this.found
    if (!this.found) return mine
    return before(this.found, mine) ? this.found : mine
  }

  private async root(): Promise<string> {
    const worker = this.worker
    if (!worker) return this.inline.frontier.rootHex()
    const root = await new Promise<string>((resolve) => {
      this.rootWaiter = resolve
      worker.postMessage({ kind: 'root' } satisfies ToHashWorker)
    })
    if (this.fatal) throw this.fatal
    return root
  }
}

function before(a: Ranked, b: Ranked): boolean {
  return a.position < b.position || (a.position === b.position && a.rank < b.rank)
}
