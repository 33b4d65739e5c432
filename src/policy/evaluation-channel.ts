/**
 * The shared-memory channel between the engine (main thread) and one evaluation worker: a
 * SharedArrayBuffer holding a small Int32 header and one byte region, used for the input and then for
 * the result. Signalling is `Atomics.store` + `Atomics.notify` on the state word; payloads larger than
 * the region travel over a MessagePort instead and are read with `receiveMessageOnPort` (synchronous:
 * the sender posts before it flips the state, so the message is already queued when the state is seen).
 *
 * Why not plain postMessage: a round trip through both event loops costs ~50 µs, more than a whole
 * decision (~40 µs). Here the engine polls briefly for the result, and an idle worker polls briefly
 * for the next request when that proves faster than sleeping (see poll-chooser.ts).
 */

/** Header words (Int32 indexes). */
export const HEADER = {
  /** {@link STATE} */
  state: 0,
  /** Input length in bytes, or -1 when the input was posted on the port. */
  inputLength: 1,
  /** {@link STATUS} of the last evaluation. */
  status: 2,
  /** Result length in bytes, or -1 when the result was posted on the port. */
  outputLength: 3,
  /** 1 when the worker's WASM memory grew past the recycle threshold (replace it after this job). */
  recycle: 4,
  /** Set by the engine: 1 when the worker should poll for its next request before sleeping. */
  poll: 5,
  /** Set by the engine: which entry point to evaluate, an index into `EVALUATION_ENTRYPOINTS`. */
  entrypoint: 6,
} as const

const HEADER_BYTES = 32

export const STATE = {
  idle: 0,
  /** Set by the engine: an input is ready. */
  request: 1,
  /** Set by the worker: the result (or error text) is ready. */
  done: 2,
  /** Set by the engine when it gave up on the worker (deadline, crash): wakes any waiter. */
  abandoned: 3,
} as const

export const STATUS = { ok: 0, error: 1 } as const

/** Default size of the byte region: a tool call up to the guard's 256 KiB argument limit fits. */
export const DEFAULT_REGION_BYTES = 512 * 1024

/** Views over one channel's memory; both threads build their own from the same buffer. */
export interface ChannelViews {
  readonly header: Int32Array
  readonly region: Uint8Array
}

export function createChannelBuffer(regionBytes = DEFAULT_REGION_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + regionBytes)
}

export function channelViews(buffer: SharedArrayBuffer): ChannelViews {
  return {
    header: new Int32Array(buffer, 0, HEADER_BYTES / 4),
    region: new Uint8Array(buffer, HEADER_BYTES),
  }
}

/** Polls `done()` for up to `micros` µs; true as soon as it holds. Bounded, so it never holds a thread. */
export function spinUntil(done: () => boolean, micros: number): boolean {
  if (micros <= 0) return done()
  const until = performance.now() + micros / 1000
  for (;;) {
    if (done()) return true
    if (performance.now() >= until) return false
  }
}
