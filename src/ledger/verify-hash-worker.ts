// Worker thread of the parallel verifier (verify-parallel.ts): hashes the batches the reader sends,
// in order, and sends each back (its buffers too, for reuse). It loads the canonicaliser only when a
// stored body does not hash as stored (rare), so the thread starts small.
import { parentPort, workerData } from 'node:worker_threads'
import { type Canonicaliser, type HashBatchResult, HashChecker } from './verify-hash-batch.js'

/** Started with. @internal */
export interface HashWorkerData {
  readonly claimedSizes: readonly number[]
}

/** From the reader. @internal */
export type ToHashWorker =
  | {
      readonly kind: 'batch'
      readonly id: number
      readonly firstSeq: number
      readonly count: number
      readonly data: ArrayBuffer
      readonly meta: ArrayBuffer
    }
  | { readonly kind: 'root' }

/** To the reader. @internal */
export type FromHashWorker =
  | {
      readonly kind: 'done'
      readonly result: HashBatchResult
      readonly data: ArrayBuffer
      readonly meta: ArrayBuffer
    }
  | { readonly kind: 'root'; readonly size: number; readonly root: string }

const port = parentPort
if (!port) throw new Error('verify-hash-worker runs as a worker thread')
const checker = new HashChecker((workerData as HashWorkerData).claimedSizes)
let canonicalise: Canonicaliser | null = null

async function loadCanonicaliser(): Promise<Canonicaliser> {
  const { canonicalJson } = await import('../shared/index.js')
  // As verify.ts's bodyTextOf: a JSON object (untrusted text) in RFC 8785 form, or null.
  return (text) => {
    let value: unknown
    try {
      value = JSON.parse(text)
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
      return canonicalJson(value)
    } catch {
      return null
    }
  }
}

async function handle(message: ToHashWorker): Promise<void> {
  if (message.kind === 'root') {
    port!.postMessage({
      kind: 'root',
      size: checker.frontier.size,
      root: checker.frontier.rootHex(),
    } satisfies FromHashWorker)
    return
  }
  const batch = {
    id: message.id,
    firstSeq: message.firstSeq,
    count: message.count,
    data: new Uint8Array(message.data),
    meta: new Int32Array(message.meta),
  }
  let result = checker.check(batch, canonicalise)
  while ('needsCanonical' in result) {
    canonicalise ??= await loadCanonicaliser()
    result = checker.check(batch, canonicalise, result.needsCanonical, result.roots)
  }
  port!.postMessage(
    { kind: 'done', result, data: message.data, meta: message.meta } satisfies FromHashWorker,
    [message.data, message.meta],
  )
}

// One batch at a time, in order, even while a canonicaliser loads. A failure here is not caught: the
// thread dies, and the reader turns that into LEDGER_VERIFY_WORKER_FAILED (never a valid report).
let queue = Promise.resolve()
port.on('message', (message: ToHashWorker) => {
  queue = queue.then(() => handle(message))
})
