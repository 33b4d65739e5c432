import { sleep } from '../../shared/index.js'

/** What a takeover completes: an answer the runtime waits for, or a conflict record. */
export type TakeoverKind = 'answer' | 'conflict'

interface Pending {
  readonly kind: TakeoverKind
  readonly done: Promise<void>
}

/**
 * Follow-ups of decisions another process recorded (a second guard on the same session, or a process
 * that stopped between deciding and answering). The process that recorded a decision owns its answer
 * and its conflict; this one only watches: when the follow-up has not happened `delayMs` after it was
 * first seen here, it does it itself from the recorded decision. Whoever acts, the ledger keeps one
 * decision and one conflict per event (unique indexes), and the runtime accepts one answer.
 */
export class Takeovers {
  private readonly pending = new Map<string, Pending>()
  private readonly cancelled = new Set<TakeoverKind>()
  /** Kinds being drained: a failing act is reported once and not tried again. */
  private readonly draining = new Set<TakeoverKind>()
  private controllers = { answer: new AbortController(), conflict: new AbortController() }

  constructor(
    private readonly delayMs: number,
    /** Called when a takeover fails; it is tried again after another `delayMs`. */
    private readonly onError: (key: string, error: unknown) => void,
  ) {}

  /**
   * Watches `key` until `settled()` holds; if it still does not after `delayMs`, runs `act`. A failing
   * check or act is reported and tried again after another `delayMs`. A key already watched is left as
   * it is.
   */
  schedule(
    key: string,
    kind: TakeoverKind,
    settled: () => boolean | Promise<boolean>,
    /** Receives a signal that aborts when the takeover is cancelled (pass it to long waits). */
    act: (signal: AbortSignal) => Promise<void>,
  ): void {
    if (this.pending.has(key) || this.cancelled.has(kind)) return
    const signal = this.controllers[kind].signal
    const pollMs = Math.max(1, Math.min(200, this.delayMs))
    const watch = async () => {
      let due = Date.now() + this.delayMs
      while (!signal.aborted) {
        try {
          if (await settled()) return
          if (Date.now() >= due) {
            await act(signal)
            return
          }
        } catch (error) {
          if (signal.aborted) return
          this.onError(key, error)
          if (this.draining.has(kind)) return
          due = Date.now() + this.delayMs
        }
        await sleep(Math.min(pollMs, Math.max(1, due - Date.now())), signal)
      }
    }
    const done = watch().finally(() => this.pending.delete(key))
    this.pending.set(key, { kind, done })
  }

  /** Accepts new keys again after {@link cancel} and {@link drain} (a new `run` of the session guard). */
  reopen(): void {
    this.cancelled.clear()
    this.draining.clear()
    this.controllers = { answer: new AbortController(), conflict: new AbortController() }
  }

  /** Stops watching every key of `kind`; their acts do not run. */
  cancel(kind: TakeoverKind): void {
    this.cancelled.add(kind)
    this.controllers[kind].abort()
  }

  /**
   * Waits until every watched key of `kind` is settled or taken over (each act is tried once more at
   * most: the session is over, nothing retries later).
   */
  async drain(kind: TakeoverKind): Promise<void> {
    this.draining.add(kind)
    for (;;) {
      const open = [...this.pending.values()].filter((p) => p.kind === kind)
      if (open.length === 0) return
      await Promise.all(open.map((p) => p.done))
    }
  }
}
