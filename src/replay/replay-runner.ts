import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { DEFAULT_MAX_MEMORY_MIB, parseBundle } from '../policy/index.js'
import { describeError, workerEntry } from '../shared/index.js'
import { ReplayError } from './errors.js'
import type { ReplayReport, ReplaySelection } from './replay.types.js'
import type { FromWorker, ReplayBatch, ReplayWorkerData, ToWorker } from './replay-worker.js'
import { emptyTally, mergeTally, toReport } from './tally.js'

export interface RunReplayOptions {
  /** The candidate bundle's tar.gz bytes. */
  readonly candidate: Uint8Array
  /** Recorded entries in ledger order, in batches (a few hundred each); read only as workers free up. */
  readonly source: AsyncIterable<ReplayBatch>
  /** The archived bundle with this SHA-256 (bytes are re-hashed by the caller's archive), or null. */
  readonly recordedBundle: (sha256: string) => Promise<Uint8Array | null>
  readonly selection?: ReplaySelection
  /** Worker threads (default: the number of available cores). */
  readonly workers?: number
  /** Examples kept per change kind and per not-replayable reason (default 5). */
  readonly exampleLimit?: number
  readonly maxMemoryMiB?: number
}

interface Slot {
  readonly worker: Worker
  inFlight: number
}

// Two batches per worker: one running, one queued, so a worker never waits for the reader, and the
// batches held in memory stay bounded whatever the ledger's size.
const IN_FLIGHT_PER_WORKER = 2

function toWorkerSelection(selection: ReplaySelection): ReplayWorkerData['selection'] {
  const { since, until, ...rest } = selection
  return {
    ...rest,
    ...(since ? { since: since.toISOString() } : {}),
    ...(until ? { until: until.toISOString() } : {}),
  }
}

/**
 * Replays recorded decisions against a candidate on worker threads (both cores by default) and folds
 * their tallies into one report. Reading is paced by the workers (at most two batches each in flight),
 * so memory stays constant; each recorded bundle is fetched once and handed to the workers that ask.
 *
 * @throws {ReplayError} REPLAY_CANDIDATE_INVALID when the candidate does not load;
 *   REPLAY_WORKER_FAILED when a worker dies (no partial report is returned).
 * @example
 * const report = await runReplay({ candidate, source: databaseBatches(db, selection), recordedBundle: (sha) => archive.get(sha).then((b) => b?.bytes ?? null) })
 */
export async function runReplay(options: RunReplayOptions): Promise<ReplayReport> {
  let candidateInfo: ReplayReport['candidate']
  try {
    const parsed = await parseBundle(options.candidate)
    candidateInfo = { revision: parsed.manifest.revision, sha256: parsed.sha256 }
  } catch (error) {
    throw new ReplayError('REPLAY_CANDIDATE_INVALID', `candidate bundle: ${describeError(error)}`, {
      cause: error,
    })
  }
  const limit = options.exampleLimit ?? 5
  const data: ReplayWorkerData = {
    candidate: options.candidate,
    selection: toWorkerSelection(options.selection ?? {}),
    exampleLimit: limit,
    maxMemoryMiB: options.maxMemoryMiB ?? DEFAULT_MAX_MEMORY_MIB,
  }
  const count = Math.max(1, options.workers ?? availableParallelism())
  const entry = workerEntry(import.meta.url, 'replay-worker')
  const total = emptyTally()
  const fetched = new Map<string, Promise<Uint8Array | null>>()
  let failure: ReplayError | null = null
  let wake: (() => void) | null = null
  const signal = () => {
    wake?.()
    wake = null
  }
  const slots: Slot[] = []
  const started = Array.from({ length: count }, () => {
    const worker = new Worker(entry.filename, { eval: entry.eval, workerData: data, stdin: false })
    const slot: Slot = { worker, inFlight: 0 }
    slots.push(slot)
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message.kind === 'ready') resolve()
        else if (message.kind === 'failed')
          reject(new ReplayError('REPLAY_CANDIDATE_INVALID', `candidate bundle: ${message.message}`))
        else if (message.kind === 'need') {
          let bytes = fetched.get(message.sha256)
          if (!bytes) {
            bytes = options.recordedBundle(message.sha256)
            fetched.set(message.sha256, bytes)
          }
          bytes.then(
            (b) =>
              worker.postMessage({ kind: 'bundle', sha256: message.sha256, bytes: b } satisfies ToWorker),
            (error: unknown) => {
              failure ??= new ReplayError(
                'REPLAY_WORKER_FAILED',
                `reading archived bundle ${message.sha256}: ${describeError(error)}`,
                { cause: error },
              )
              signal()
            },
          )
        } else {
          mergeTally(total, message.tally, limit)
          slot.inFlight -= 1
          signal()
        }
      })
      const died = (why: string) => {
        const error = new ReplayError('REPLAY_WORKER_FAILED', `replay worker ${why}`)
        failure ??= error
        reject(error)
        signal()
      }
      worker.on('error', (error) => died(`failed: ${describeError(error)}`))
      worker.on('exit', (code) => {
        if (code !== 0 || slot.inFlight > 0) died(`exited (${code})`)
      })
    })
  })
  const waitForChange = () => new Promise<void>((resolve) => (wake = resolve))
  try {
    await Promise.all(started)
    let id = 0
    for await (const batch of options.source) {
      for (;;) {
        if (failure) throw failure
        const free = slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a))
        if (free.inFlight < IN_FLIGHT_PER_WORKER) {
          free.inFlight += 1
          free.worker.postMessage({ kind: 'batch', id: id++, batch } satisfies ToWorker)
          break
        }
        await waitForChange()
      }
    }
    while (slots.some((s) => s.inFlight > 0)) {
      if (failure) throw failure
      await waitForChange()
    }
    if (failure) throw failure
    return toReport(total, candidateInfo)
  } finally {
    for (const slot of slots) {
      slot.worker.removeAllListeners('exit')
      await slot.worker.terminate()
    }
  }
}
