import { receiveMessageOnPort } from 'node:worker_threads'
import { describeError, type Logger } from '../shared/index.js'
import { HEADER, STATE, STATUS, spinUntil } from './evaluation-channel.js'
import { PollChooser } from './poll-chooser.js'
import { type SpawnedWorker, spawnWorker, type WorkerTemplate } from './worker-spawn.js'

export interface EvaluationPoolOptions extends WorkerTemplate {
  /** Workers (threads), at least 1. */
  readonly size: number
  /** Deadline of one evaluation, from the moment a worker takes it. */
  readonly timeoutMs: number
  /** Longest an evaluation waits for a free worker before it is refused. */
  readonly queueTimeoutMs: number
  /** How long the caller polls for a result before it waits asynchronously, µs. */
  readonly callerSpinMicros: number
  readonly logger: Logger
  /** Channel region size per worker (inputs and results larger than this go over a MessagePort). */
  readonly regionBytes?: number
  /** Cap on each worker's JavaScript heap (old generation), MiB; Node's default when unset. */
  readonly heapMiB?: number
}

/** How one evaluation ended. Never a rejection: the engine turns every failure into a deny. */
export type PoolOutcome =
  | { readonly kind: 'ok'; readonly resultSet: string }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'timeout'; readonly message: string }

/** Worker threads evaluating one bundle, each call under a deadline. */
export interface EvaluationPool {
  /**
   * Evaluates one input (JSON text) on a free worker, at `EVALUATION_ENTRYPOINTS[entrypoint]`
   * (default 0, the decision). Returns the outcome directly when it was ready within the short
   * busy-wait, a promise otherwise. Never throws, never rejects.
   */
  run(input: string, entrypoint?: number): PoolOutcome | Promise<PoolOutcome>
  /** Live workers right now. */
  readonly size: number
  /** Refuses new work, lets queued and running evaluations finish, then stops every worker. */
  close(): Promise<void>
}

interface Job {
  readonly input: string
  readonly entrypoint: number
  settle: (outcome: PoolOutcome) => void
  settled: boolean
  timer: NodeJS.Timeout | undefined
  startedAt: number
}

interface Slot {
  readonly spawned: SpawnedWorker
  /** Whether this worker should poll for requests, from the round trips the engine measures. */
  readonly chooser: PollChooser
  job: Job | null
  alive: boolean
}

// Node 20 has Atomics.waitAsync; the ES2023 lib typings do not.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      array: Int32Array,
      index: number,
      value: number,
    ): { async: false; value: string } | { async: true; value: Promise<string> }
  }
).waitAsync

/**
 * Starts `size` workers on one compiled bundle and resolves when all are ready. A worker that overruns
 * the deadline is terminated (V8 stops even a WASM loop) and replaced; one that crashes is replaced;
 * its caller gets a `timeout` or `error` outcome and every other caller keeps being served.
 *
 * @throws {PolicyError} the first worker's load error (the bundle is unusable).
 */
export async function createEvaluationPool(options: EvaluationPoolOptions): Promise<EvaluationPool> {
  const { logger, timeoutMs, queueTimeoutMs, callerSpinMicros } = options
  const template: WorkerTemplate = {
    module: options.module,
    data: options.data,
    maxMemoryMiB: options.maxMemoryMiB,
    recycleGrowthBytes: options.recycleGrowthBytes,
    spinMicros: options.spinMicros,
  }
  const spawnOptions = {
    ...(options.regionBytes ? { regionBytes: options.regionBytes } : {}),
    ...(options.heapMiB ? { heapMiB: options.heapMiB } : {}),
  }
  const started = await Promise.allSettled(
    Array.from({ length: Math.max(1, options.size) }, () => spawnWorker(template, spawnOptions)),
  )
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failure) {
    for (const s of started) if (s.status === 'fulfilled') void s.value.worker.terminate()
    throw failure.reason
  }

  const encoder = new TextEncoder()
  const slots = new Set<Slot>()
  const idle: Slot[] = []
  const queue: Job[] = []
  const closeWaiters: Array<() => void> = []
  let busy = 0
  let closing = false
  let respawnFailures = 0

  const settle = (job: Job, outcome: PoolOutcome): void => {
    if (job.settled) return
    job.settled = true
    clearTimeout(job.timer)
    job.settle(outcome)
  }

  const finishClose = (): void => {
    if (!closing || busy > 0 || queue.length > 0) return
    for (const slot of slots) stop(slot)
    slots.clear()
    idle.length = 0
    for (const resolve of closeWaiters.splice(0)) resolve()
  }

  const stop = (slot: Slot): void => {
    slot.alive = false
    const { worker, views, port } = slot.spawned
    worker.removeAllListeners()
    worker.on('error', () => undefined)
    // Wakes a pending waitAsync on this channel so nothing waits on a dead worker.
    Atomics.store(views.header, HEADER.state, STATE.abandoned)
    Atomics.notify(views.header, HEADER.state)
    void worker.terminate()
    port.close()
  }

  const release = (slot: Slot): void => {
    if (!slot.alive) return
    const next = queue.shift()
    if (next) {
      clearTimeout(next.timer)
      start(slot, next)
      return
    }
    idle.push(slot)
    finishClose()
  }

  const adopt = (spawned: SpawnedWorker): Slot => {
    const slot: Slot = { spawned, chooser: new PollChooser(), job: null, alive: true }
    slots.add(slot)
    spawned.worker.on('error', (error) => replace(slot, `worker crashed: ${error.message}`))
    spawned.worker.on('exit', (code) => replace(slot, `worker exited with code ${code}`))
    return slot
  }

  const respawn = (): void => {
    if (closing) return
    spawnWorker(template, spawnOptions).then(
      (spawned) => {
        respawnFailures = 0
        if (closing) {
          void spawned.worker.terminate()
          spawned.port.close()
          return
        }
        release(adopt(spawned))
      },
      (error: unknown) => {
        respawnFailures += 1
        const delay = Math.min(30_000, 100 * 2 ** respawnFailures)
        logger.error({ err: describeError(error), retryInMs: delay }, 'evaluation worker failed to start')
        // Callers queue meanwhile and are refused after queueTimeoutMs: nothing hangs.
        setTimeout(respawn, delay).unref()
      },
    )
  }

  /** Takes a worker out of service (deadline, crash, memory) and starts its replacement. */
  const replace = (slot: Slot, why: string): void => {
    if (!slot.alive) return
    const job = slot.job
    if (job) {
      slot.job = null
      busy -= 1
      settle(job, { kind: 'error', message: `evaluation worker stopped: ${why}` })
    }
    slots.delete(slot)
    const at = idle.indexOf(slot)
    if (at >= 0) idle.splice(at, 1)
    stop(slot)
    logger.warn({ why }, 'evaluation worker replaced')
    respawn()
    finishClose()
  }

  const complete = (slot: Slot, job: Job): void => {
    const { header, region } = slot.spawned.views
    if (job.settled || slot.job !== job || Atomics.load(header, HEADER.state) !== STATE.done) return
    const length = header[HEADER.outputLength]!
    const text =
      length >= 0
        ? Buffer.from(region.buffer, region.byteOffset, length).toString('utf8')
        : Buffer.from(receiveMessageOnPort(slot.spawned.port)?.message as Uint8Array).toString('utf8')
    const ok = header[HEADER.status] === STATUS.ok
    const recycle = header[HEADER.recycle] === 1
    slot.chooser.record((performance.now() - job.startedAt) * 1000)
    header[HEADER.poll] = slot.chooser.shouldPoll() ? 1 : 0
    Atomics.store(header, HEADER.state, STATE.idle)
    slot.job = null
    busy -= 1
    settle(job, ok ? { kind: 'ok', resultSet: text } : { kind: 'error', message: text })
    if (recycle) replace(slot, 'its WebAssembly memory grew past the recycle threshold')
    else release(slot)
  }

  const expire = (slot: Slot, job: Job): void => {
    if (job.settled) return
    if (Atomics.load(slot.spawned.views.header, HEADER.state) === STATE.done) {
      complete(slot, job)
      return
    }
    settle(job, { kind: 'timeout', message: `policy evaluation timed out after ${timeoutMs} ms` })
    replace(slot, `an evaluation overran its ${timeoutMs} ms deadline`)
  }

  const start = (slot: Slot, job: Job): void => {
    const { header, region } = slot.spawned.views
    slot.job = job
    busy += 1
    const { read, written } = encoder.encodeInto(job.input, region)
    if (read < job.input.length) {
      // Posted before the state flips, so the worker finds it queued (receiveMessageOnPort).
      slot.spawned.port.postMessage(encoder.encode(job.input))
      header[HEADER.inputLength] = -1
    } else header[HEADER.inputLength] = written
    header[HEADER.entrypoint] = job.entrypoint
    job.startedAt = performance.now()
    Atomics.store(header, HEADER.state, STATE.request)
    Atomics.notify(header, HEADER.state)
    // Alone in flight, most decisions finish within the busy-wait: no timer, no event-loop hop. The
    // wait is bounded (callerSpinMicros), so even a hostile input holds the event loop only that long.
    const isDone = () => Atomics.load(header, HEADER.state) !== STATE.request
    if (busy === 1 && spinUntil(isDone, callerSpinMicros)) {
      complete(slot, job)
      return
    }
    const remaining = Math.max(0, timeoutMs - (performance.now() - job.startedAt))
    job.timer = setTimeout(() => expire(slot, job), remaining)
    const waiting = waitAsync(header, HEADER.state, STATE.request)
    if (!waiting.async) complete(slot, job)
    else void waiting.value.then(() => complete(slot, job))
  }

  for (const s of started) if (s.status === 'fulfilled') idle.push(adopt(s.value))

  return {
    get size() {
      return slots.size
    },
    run(input, entrypoint = 0) {
      if (closing) return { kind: 'error', message: 'the policy engine is closed' }
      let immediate: PoolOutcome | undefined
      const job: Job = {
        input,
        entrypoint,
        settle: (outcome) => {
          immediate = outcome
        },
        settled: false,
        timer: undefined,
        startedAt: 0,
      }
      const slot = idle.pop()
      if (slot) start(slot, job)
      else {
        queue.push(job)
        job.timer = setTimeout(() => {
          const at = queue.indexOf(job)
          if (at >= 0) queue.splice(at, 1)
          settle(job, {
            kind: 'error',
            message: `no evaluation worker became free within ${queueTimeoutMs} ms`,
          })
          finishClose()
        }, queueTimeoutMs)
      }
      if (immediate) return immediate
      return new Promise<PoolOutcome>((resolve) => {
        job.settle = resolve
      })
    },
    close() {
      closing = true
      return new Promise<void>((resolve) => {
        closeWaiters.push(resolve)
        finishClose()
      })
    },
  }
}
