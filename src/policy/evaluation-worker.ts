// Entry point of one evaluation worker thread (started by worker-pool.ts, never imported elsewhere).
// It instantiates the bundle's WASM once, reports `ready` (or why it cannot load), then serves
// evaluations over its shared-memory channel forever: the engine terminates it to stop it, including
// in the middle of an evaluation that overran its deadline.
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { describeError } from '../shared/index.js'
import { PolicyError } from './errors.js'
import { channelViews, HEADER, STATE, STATUS, spinUntil } from './evaluation-channel.js'
import { type CompiledWasm, instantiateWasmPolicy, type WasmPolicy } from './wasm-policy.js'

/** What the pool hands each worker. */
export interface EvaluationWorkerData {
  readonly module: CompiledWasm
  readonly data: Uint8Array
  readonly channel: SharedArrayBuffer
  readonly port: MessagePort
  readonly maxMemoryMiB: number
  /**
   * How far the WASM memory may grow past its size after loading before the worker asks to be
   * replaced (WASM memory never shrinks), bytes.
   */
  readonly recycleGrowthBytes: number
  /** How long to poll for the next request before sleeping, µs (0: never), when polling pays. */
  readonly spinMicros: number
}

/** Messages on `parentPort`: only at start-up. */
export type EvaluationWorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string }

const init = workerData as EvaluationWorkerData
const { header, region } = channelViews(init.channel)
const encoder = new TextEncoder()

function waitForRequest(poll: boolean): void {
  if (poll && spinUntil(() => Atomics.load(header, HEADER.state) === STATE.request, init.spinMicros)) return
  for (;;) {
    // Sleep only on the very value just seen: a request posted after the load changes it, and
    // Atomics.wait then returns at once instead of sleeping through the engine's notify.
    const state = Atomics.load(header, HEADER.state)
    if (state === STATE.request) return
    Atomics.wait(header, HEADER.state, state)
  }
}

function serve(policy: WasmPolicy): never {
  const loaded = policy.memoryBytes()
  const recycleAt = Math.min(init.maxMemoryMiB * 1024 * 1024, loaded + init.recycleGrowthBytes)
  for (;;) {
    // The engine measures which way answers its requests faster and says so (poll-chooser.ts).
    waitForRequest(init.spinMicros > 0 && Atomics.load(header, HEADER.poll) === 1)
    let status: number = STATUS.ok
    let output: Uint8Array
    try {
      const length = header[HEADER.inputLength]!
      const input =
        length >= 0 ? region.subarray(0, length) : (receiveMessageOnPort(init.port)?.message as Uint8Array)
      output = policy.evaluate(input, header[HEADER.entrypoint])
    } catch (error) {
      status = STATUS.error
      output = encoder.encode(describeError(error))
    }
    if (output.byteLength <= region.byteLength) {
      region.set(output)
      header[HEADER.outputLength] = output.byteLength
    } else {
      init.port.postMessage(output.slice())
      header[HEADER.outputLength] = -1
    }
    header[HEADER.status] = status
    const size = policy.memoryBytes()
    header[HEADER.recycle] = size > loaded && size >= recycleAt ? 1 : 0
    Atomics.store(header, HEADER.state, STATE.done)
    Atomics.notify(header, HEADER.state)
  }
}

async function start(): Promise<void> {
  let policy: WasmPolicy
  try {
    policy = await instantiateWasmPolicy(init.module, init.data, { maxMemoryMiB: init.maxMemoryMiB })
  } catch (error) {
    const code = error instanceof PolicyError ? error.code : 'POLICY_WASM_INVALID'
    const message: EvaluationWorkerMessage = { kind: 'failed', code, message: describeError(error) }
    parentPort?.postMessage(message)
    return
  }
  const ready: EvaluationWorkerMessage = { kind: 'ready' }
  parentPort?.postMessage(ready)
  serve(policy)
}

void start()
