// Entry point of one replay worker thread (started by replay-runner.ts, never imported elsewhere). It
// loads the candidate once, fetches each recorded bundle from the main thread the first time a decision
// names it, and answers every batch of recorded entries with a tally. Batches, not single calls: one
// message per few hundred decisions keeps the thread hop out of the per-decision cost.
import { parentPort, workerData } from 'node:worker_threads'
import { createEvaluator, type Evaluator, parseBundle } from '../policy/index.js'
import { describeError, silentLogger } from '../shared/index.js'
import type { ReplaySelection } from './replay.types.js'
import { type RecordedEntry, ReplayClock, replayEntry } from './replay-one.js'
import { emptyTally } from './tally.js'

/** What the runner hands each worker; dates travel as ISO strings. */
export interface ReplayWorkerData {
  readonly candidate: Uint8Array
  readonly selection: Omit<ReplaySelection, 'since' | 'until'> & { since?: string; until?: string }
  readonly exampleLimit: number
  readonly maxMemoryMiB: number
}

/** A batch: stored rows `[chain, seq, ts, type, bodyText]`, or export lines (any line kind). */
export type ReplayBatch =
  | { readonly rows: ReadonlyArray<readonly [string, number, string, string, string]> }
  | { readonly lines: readonly string[] }

export type ToWorker =
  | { readonly kind: 'batch'; readonly id: number; readonly batch: ReplayBatch }
  | { readonly kind: 'bundle'; readonly sha256: string; readonly bytes: Uint8Array | null }

export type FromWorker =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'need'; readonly sha256: string }
  | { readonly kind: 'done'; readonly id: number; readonly tally: ReturnType<typeof emptyTally> }

const init = workerData as ReplayWorkerData
const port = parentPort!
const clock = new ReplayClock()
const { since, until, ...rest } = init.selection
const selection: ReplaySelection = {
  ...rest,
  ...(since ? { since: new Date(since) } : {}),
  ...(until ? { until: new Date(until) } : {}),
}

async function evaluatorOf(bytes: Uint8Array): Promise<Evaluator> {
  return createEvaluator(await parseBundle(bytes), {
    clock,
    logger: silentLogger,
    maxMemoryMiB: init.maxMemoryMiB,
  })
}

const loaded = new Map<string, Evaluator | null | Error>()
const loading = new Map<string, Promise<Evaluator | null | Error>>()
const requested = new Map<string, (bytes: Uint8Array | null) => void>()

function recordedBundle(sha256: string): Evaluator | null | Error | Promise<Evaluator | null | Error> {
  const known = loaded.get(sha256)
  if (known !== undefined) return known
  let pending = loading.get(sha256)
  if (!pending) {
    pending = new Promise<Uint8Array | null>((resolve) => {
      requested.set(sha256, resolve)
      port.postMessage({ kind: 'need', sha256 } satisfies FromWorker)
    })
      .then((bytes) => (bytes === null ? null : evaluatorOf(bytes)))
      .catch((error: unknown) => new Error(describeError(error)))
      .then((result) => {
        loaded.set(sha256, result)
        return result
      })
    loading.set(sha256, pending)
  }
  return pending
}

// Lines of an export or rows of the database: attacker-reachable bytes, parsed defensively.
function entriesOf(batch: ReplayBatch): RecordedEntry[] {
  const out: RecordedEntry[] = []
  if ('rows' in batch) {
    for (const [chain, seq, ts, type, text] of batch.rows) {
      let body: unknown = null
      try {
        body = JSON.parse(text)
      } catch {
        // left null: the decision schema rejects it and the decision counts as not replayable
      }
      out.push({ chain, seq, ts, type, body })
    }
    return out
  }
  for (const line of batch.lines) {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      continue
    }
    const e = parsed as Partial<RecordedEntry> | null
    if (typeof e?.chain !== 'string' || typeof e.seq !== 'number' || typeof e.type !== 'string') continue
    out.push({ chain: e.chain, seq: e.seq, ts: String(e.ts), type: e.type, body: e.body })
  }
  return out
}

async function run(candidate: Evaluator): Promise<void> {
  const context = { selection, candidate, clock, recordedBundle, exampleLimit: init.exampleLimit }
  port.on('message', (message: ToWorker) => {
    if (message.kind === 'bundle') {
      requested.get(message.sha256)?.(message.bytes)
      requested.delete(message.sha256)
      return
    }
    void (async () => {
      const tally = emptyTally()
      for (const entry of entriesOf(message.batch)) await replayEntry(tally, entry, context)
      port.postMessage({ kind: 'done', id: message.id, tally } satisfies FromWorker)
    })()
  })
  port.postMessage({ kind: 'ready' } satisfies FromWorker)
}

evaluatorOf(init.candidate).then(run, (error: unknown) =>
  port.postMessage({ kind: 'failed', message: describeError(error) } satisfies FromWorker),
)
