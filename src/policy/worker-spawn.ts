import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import { type WorkerEntry, workerEntry } from '../shared/index.js'
import { PolicyError, type PolicyErrorCode } from './errors.js'
import { type ChannelViews, channelViews, createChannelBuffer } from './evaluation-channel.js'
import type { EvaluationWorkerData, EvaluationWorkerMessage } from './evaluation-worker.js'

/** What every worker of one bundle generation is started with (the channel is per worker). */
export type WorkerTemplate = Omit<EvaluationWorkerData, 'channel' | 'port'>

/** One started, ready worker and its end of the channel. */
export interface SpawnedWorker {
  readonly worker: Worker
  readonly views: ChannelViews
  readonly port: MessagePort
}

let entry: WorkerEntry | undefined

/**
 * Starts one evaluation worker and resolves once it has instantiated the bundle. The worker keeps
 * the process alive only while it starts; afterwards the pool holds a timer for every evaluation in
 * flight, so an idle pool never stops a process from exiting.
 *
 * @throws {PolicyError} the worker's own load error (POLICY_WASM_INVALID, POLICY_UNSUPPORTED_BUILTIN),
 *   or POLICY_WASM_INVALID when the worker dies before it is ready.
 */
export function spawnWorker(
  template: WorkerTemplate,
  options: { readonly regionBytes?: number; readonly heapMiB?: number } = {},
): Promise<SpawnedWorker> {
  entry ??= workerEntry(import.meta.url, 'evaluation-worker')
  const channel = createChannelBuffer(options.regionBytes)
  const { port1, port2 } = new MessageChannel()
  const workerData: EvaluationWorkerData = { ...template, channel, port: port2 }
  const worker = new Worker(entry.filename, {
    eval: entry.eval,
    workerData,
    transferList: [port2],
    // The worker needs no stdin; its stdout/stderr go to the parent's.
    stdin: false,
    // Host builtins (sprintf, regex.split, yaml.*) run in the worker's JavaScript heap: a cap turns
    // a blow-up there into a worker that dies and is replaced, not a process that swells.
    ...(options.heapMiB ? { resourceLimits: { maxOldGenerationSizeMb: options.heapMiB } } : {}),
  })
  return new Promise((resolve, reject) => {
    const fail = (error: PolicyError) => {
      worker.removeAllListeners()
      void worker.terminate()
      port1.close()
      reject(error)
    }
    worker.once('message', (message: EvaluationWorkerMessage) => {
      if (message.kind === 'failed') {
        fail(new PolicyError(message.code as PolicyErrorCode, message.message))
        return
      }
      worker.removeAllListeners()
      // Until the pool adopts it, a crash must not become an unhandled 'error' event; if it dies in
      // that gap, the first evaluation it gets times out and the pool replaces it.
      worker.on('error', () => undefined)
      worker.unref()
      resolve({ worker, views: channelViews(channel), port: port1 })
    })
    worker.once('error', (error) =>
      fail(
        new PolicyError('POLICY_WASM_INVALID', `evaluation worker failed to start: ${error.message}`, {
          cause: error,
        }),
      ),
    )
    worker.once('exit', (code) =>
      fail(new PolicyError('POLICY_WASM_INVALID', `evaluation worker exited (${code}) before it was ready`)),
    )
  })
}
