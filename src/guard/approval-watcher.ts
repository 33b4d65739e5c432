import type { Ledger, LedgerEntry } from '../ledger/index.js'
import type { Clock } from '../shared/index.js'
import { type ApprovalStatus, settleApproval } from './approval-state.js'

/**
 * One poller per approval desk that serves every waiter of the process: however many requests are
 * waiting, each tick costs two queries (the chain head, then the `approval` entries committed since the
 * previous tick), never one per waiter.
 */
export interface ApprovalWatcher {
  /**
   * Resolves with the request's status once it is no longer `pending` (approved, denied, timed out, or
   * expired: past `expires_at` with nobody having decided), or with the still-pending status when
   * `signal` aborts; null when no such request exists. Writes nothing.
   * @throws the ledger's error when reading fails (every waiter of that tick fails: fail closed).
   */
  settled(approvalId: string, signal?: AbortSignal): Promise<ApprovalStatus | null>
  /** Feeds an `approval` entry this process just committed, so its waiters wake without a tick. */
  observe(entry: LedgerEntry): void
  /** How many approval requests are being waited on in this process. */
  readonly waiting: number
}

interface Waiter {
  resolve(status: ApprovalStatus | null): void
  reject(error: unknown): void
}

interface Watch {
  /** The request's `approval_request` and `approval` entries by seq (a tick and the first load may overlap). */
  readonly entries: Map<number, LedgerEntry>
  readonly waiters: Set<Waiter>
  /** Settles once the first read of this request's entries is merged in. */
  loaded: Promise<void>
  isLoaded: boolean
  /** New entries since its status was last computed. */
  dirty: boolean
  /** When a still-pending request turns `expired` (from its request entry); NaN until known. */
  expiresAtMs: number
}

const statusOf = (watch: Watch, now: Date): ApprovalStatus | null =>
  settleApproval(
    [...watch.entries.values()].sort((a, b) => a.seq - b.seq),
    now,
  )

// Every background waiter of a server shares its shutdown signal: one listener per signal and a set
// of callbacks keeps adding and removing a waiter O(1) (an EventTarget checks its whole listener list).
const abortCallbacks = new WeakMap<AbortSignal, Set<() => void>>()

/** Calls `callback` when `signal` aborts (at once if it has); returns the function that cancels it. */
function onAbortOf(signal: AbortSignal, callback: () => void): () => boolean {
  if (signal.aborted) {
    callback()
    return () => false
  }
  let callbacks = abortCallbacks.get(signal)
  if (!callbacks) {
    const created = new Set<() => void>()
    callbacks = created
    abortCallbacks.set(signal, created)
    signal.addEventListener(
      'abort',
      () => {
        for (const fn of [...created]) fn()
        created.clear()
      },
      { once: true },
    )
  }
  const registered = callbacks
  registered.add(callback)
  return () => registered.delete(callback)
}

/**
 * Creates the poller of one chain. It runs only while somebody waits: the first waiter starts it (the
 * chain head then becomes its cursor), and it stops when the last waiter is gone. An approval written
 * by another process is seen within one `pollMs`; one written through this process's desk at once.
 *
 * @example
 * const watcher = createApprovalWatcher({ ledger, chain: 'default', clock: systemClock, pollMs: 500 })
 * const status = await watcher.settled(approvalId) // { state: 'approved', … }
 * @internal
 */
export function createApprovalWatcher(options: {
  ledger: Pick<Ledger, 'head' | 'findByType' | 'findByBodyField'>
  chain: string
  clock: Clock
  pollMs: number
}): ApprovalWatcher {
  const { ledger, chain, clock, pollMs } = options
  const watches = new Map<string, Watch>()
  /** Highest seq of the chain whose `approval` entries have been merged; set when the poller starts. */
  let cursor = 0
  let cursorReady: Promise<void> | null = null

  const finish = (
    approvalId: string,
    watch: Watch,
    outcome: { status: ApprovalStatus | null } | { error: unknown },
  ) => {
    if (watches.get(approvalId) === watch) watches.delete(approvalId)
    for (const waiter of watch.waiters) {
      if ('error' in outcome) waiter.reject(outcome.error)
      else waiter.resolve(outcome.status)
    }
    watch.waiters.clear()
  }

  /** Wakes the waiters of every loaded request that is no longer pending. */
  /**
   * Wakes the waiters of every loaded request that is no longer pending. Only requests with new
   * entries, or whose expiry has come, are settled again: a tick stays cheap with thousands waiting.
   */
  const settleReady = () => {
    const now = clock.now()
    for (const [approvalId, watch] of watches) {
      if (!watch.isLoaded || !(watch.dirty || now.getTime() >= watch.expiresAtMs)) continue
      watch.dirty = false
      const status = statusOf(watch, now)
      if (status?.state !== 'pending') finish(approvalId, watch, { status })
      else watch.expiresAtMs = Date.parse(status.expiresAt)
    }
  }

  const merge = (entry: LedgerEntry) => {
    const approvalId = entry.body.approval_id
    const watch = typeof approvalId === 'string' ? watches.get(approvalId) : undefined
    if (!watch || watch.entries.has(entry.seq)) return
    watch.entries.set(entry.seq, entry)
    watch.dirty = true
  }

  const tick = async () => {
    // Commits on a chain are serialised on its head row, so every entry up to the head read here is
    // visible to the next statement: nothing committed below `head` can appear later.
    const head = (await ledger.head(chain))?.seq ?? 0
    if (head > cursor) {
      for (const entry of await ledger.findByType('approval', { chain, afterSeq: cursor, toSeq: head }))
        merge(entry)
      cursor = head
    }
    settleReady()
  }

  const run = async () => {
    try {
      await cursorReady
      while (watches.size > 0) {
        await new Promise<void>((resolve) => setTimeout(resolve, pollMs))
        if (watches.size > 0) await tick()
      }
    } catch (error) {
      for (const [approvalId, watch] of watches) finish(approvalId, watch, { error })
    } finally {
      cursorReady = null
    }
  }

  const watch = (approvalId: string): Watch => {
    const existing = watches.get(approvalId)
    if (existing) return existing
    if (!cursorReady) {
      // The cursor is fixed before any first read below, so a request's own read and the ticks after
      // it overlap rather than leave a gap.
      cursorReady = ledger.head(chain).then((head) => {
        cursor = head?.seq ?? 0
      })
      void run()
    }
    const created: Watch = {
      entries: new Map(),
      waiters: new Set(),
      loaded: Promise.resolve(),
      isLoaded: false,
      dirty: false,
      expiresAtMs: Number.NaN,
    }
    watches.set(approvalId, created)
    created.loaded = cursorReady
      .then(() => ledger.findByBodyField('approval_id', approvalId, { chain }))
      .then((entries) => {
        for (const entry of entries) created.entries.set(entry.seq, entry)
        created.isLoaded = true
        created.dirty = false
        const status = statusOf(created, clock.now())
        if (status?.state !== 'pending') finish(approvalId, created, { status })
        else created.expiresAtMs = Date.parse(status.expiresAt)
      })
    created.loaded.catch((error: unknown) => finish(approvalId, created, { error }))
    return created
  }

  return {
    settled(approvalId, signal) {
      return new Promise((resolve, reject) => {
        const current = watch(approvalId)
        const onAbort = () => {
          current.waiters.delete(waiter)
          // Nobody else waits for it: stop polling for it.
          if (current.waiters.size === 0 && watches.get(approvalId) === current) watches.delete(approvalId)
          current.loaded.then(() => resolve(statusOf(current, clock.now())), reject)
        }
        let unsubscribe = () => false
        const waiter: Waiter = {
          resolve: (status) => {
            unsubscribe()
            resolve(status)
          },
          reject: (error) => {
            unsubscribe()
            reject(error)
          },
        }
        current.waiters.add(waiter)
        if (signal) unsubscribe = onAbortOf(signal, onAbort)
      })
    },
    observe(entry) {
      if (entry.chain !== chain || entry.type !== 'approval') return
      merge(entry)
      settleReady()
    },
    get waiting() {
      return watches.size
    },
  }
}
