import { type FSWatcher, watch } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { type Clock, describeError, type Logger, silentLogger, systemClock } from '../shared/index.js'
import {
  type BudgetedEvaluator,
  createBudgetedEvaluator,
  type EvaluationBudget,
  resolveBudget,
} from './budgeted-evaluator.js'
import { readBundle } from './bundle-loader.js'
import { PolicyError } from './errors.js'
import type { BundleInfo, PolicyEngine, PolicyEvaluation } from './policy.types.js'

/** What one reload attempt did. On failure the previous bundle (`bundle`) stays in force. */
export type ReloadEvent =
  | {
      readonly ok: true
      readonly changed: boolean
      readonly bundle: BundleInfo
      readonly previous: BundleInfo
    }
  | { readonly ok: false; readonly error: PolicyError; readonly bundle: BundleInfo }

/** A {@link PolicyEngine} over a bundle file that can be reloaded by hand or by watching the file. */
export interface ReloadablePolicyEngine extends PolicyEngine {
  /** Re-reads the bundle file now; resolves with what happened (never rejects). */
  reload(): Promise<ReloadEvent>
  /**
   * Calls `listener` after each reload that swapped the bundle (`changed: true`) or was rejected; a
   * re-read of identical bytes is not reported. Returns an unsubscribe function.
   */
  onReload(listener: (event: ReloadEvent) => void): () => void
}

export interface LoadPolicyEngineOptions {
  /** Path of the OPA WASM bundle (tar.gz), e.g. `build/bundle.tar.gz`. */
  bundlePath: string
  /** Watch the bundle path and hot-reload on change (default false). */
  watch?: boolean
  /** Quiet period after the last file event before reloading, ms (default 150). */
  watchDebounceMs?: number
  logger?: Logger
  /** Source of `context.time` and `loadedAt` (default: the system clock). */
  clock?: Clock
  /**
   * Deadline of one evaluation, ms (default 250). An evaluation still running at its deadline is
   * denied with rule `arbiter.policy_error` and its worker thread is terminated and replaced.
   */
  evaluationTimeoutMs?: number
  /** Evaluation worker threads (default: the number of available cores, at least 1). */
  workers?: number
  /** Cap on each worker's WebAssembly memory, MiB (default 128); past it the evaluation fails (deny). */
  maxMemoryMiB?: number
  /**
   * How long a caller polls for its result before it waits asynchronously, µs (default 250; 0 on a
   * single core). Polling saves the ~30 µs of waking a sleeping thread on every decision; it is
   * bounded, so no input holds the event loop longer.
   */
  busyWaitMicros?: number
}

function budgetOf(options: LoadPolicyEngineOptions): EvaluationBudget {
  return resolveBudget({
    ...(options.evaluationTimeoutMs !== undefined ? { timeoutMs: options.evaluationTimeoutMs } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.maxMemoryMiB !== undefined ? { maxMemoryMiB: options.maxMemoryMiB } : {}),
    ...(options.busyWaitMicros !== undefined ? { busyWaitMicros: options.busyWaitMicros } : {}),
  })
}

function toPolicyError(error: unknown): PolicyError {
  if (error instanceof PolicyError) return error
  return new PolicyError('POLICY_BUNDLE_INVALID', `bundle rejected: ${describeError(error)}`, {
    cause: error,
  })
}

/**
 * Loads the bundle at `bundlePath` into a policy engine, optionally hot-reloading it when the file changes.
 * Evaluations run in worker threads under a deadline (see {@link LoadPolicyEngineOptions}), so no input
 * and no policy can hold the caller's event loop. A valid new bundle gets its own workers and then
 * replaces the old one atomically; an invalid one is logged and rejected, and the last good bundle stays
 * in force. Each `evaluate` call picks the current bundle once and runs wholly on it (the old bundle's
 * workers finish what they hold before they stop), and reports that bundle.
 *
 * @throws {PolicyError} POLICY_BUNDLE_UNREADABLE, POLICY_BUNDLE_INVALID, POLICY_WASM_INVALID or
 *   POLICY_UNSUPPORTED_BUILTIN when the initial bundle cannot be used (there is no last good one);
 *   POLICY_BUDGET_INVALID for an out-of-range budget option.
 * @example
 * const engine = await loadPolicyEngine({ bundlePath: 'build/bundle.tar.gz', watch: true, logger })
 * engine.onReload((e) => e.ok && recordPolicyLoaded(e.bundle))
 * const { decision, bundle } = await engine.evaluate(toolCall)
 * await engine.close()
 */
export async function loadPolicyEngine(options: LoadPolicyEngineOptions): Promise<ReloadablePolicyEngine> {
  const bundlePath = resolve(options.bundlePath)
  const logger = options.logger ?? silentLogger
  const clock = options.clock ?? systemClock
  const budget = budgetOf(options)
  const build = async (unless?: string): Promise<BudgetedEvaluator | null> => {
    const contents = await readBundle(bundlePath)
    // Same bytes as the bundle in force: no need to start workers for it.
    if (contents.sha256 === unless) return null
    return createBudgetedEvaluator(contents, { clock, logger, budget })
  }

  let current = (await build()) as BudgetedEvaluator
  logger.info(
    { path: bundlePath, revision: current.bundle.revision, sha256: current.bundle.sha256 },
    'policy bundle loaded',
  )
  const listeners = new Set<(event: ReloadEvent) => void>()
  let queue: Promise<unknown> = Promise.resolve()
  let watcher: FSWatcher | undefined
  let timer: NodeJS.Timeout | undefined
  let closed = false

  const notify = (event: ReloadEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch (error) {
        logger.error({ error: describeError(error) }, 'policy reload listener threw')
      }
    }
  }

  const attempt = async (): Promise<ReloadEvent> => {
    let next: BudgetedEvaluator | null
    try {
      next = closed ? null : await build(current.bundle.sha256)
    } catch (error) {
      const rejected = toPolicyError(error)
      logger.error(
        { path: bundlePath, code: rejected.code, error: rejected.message, keeping: current.bundle.revision },
        'policy bundle rejected; keeping the last good bundle',
      )
      const event: ReloadEvent = { ok: false, error: rejected, bundle: current.bundle }
      notify(event)
      return event
    }
    if (next === null || closed) {
      void next?.close()
      return { ok: true, changed: false, bundle: current.bundle, previous: current.bundle }
    }
    const replaced = current
    const previous = replaced.bundle
    current = next // the atomic swap: one reference assignment
    // Evaluations already handed to the old workers finish there (each reports the old bundle).
    void replaced.close()
    logger.info(
      { path: bundlePath, revision: next.bundle.revision, sha256: next.bundle.sha256 },
      'policy bundle reloaded',
    )
    const event: ReloadEvent = { ok: true, changed: true, bundle: next.bundle, previous }
    notify(event)
    return event
  }

  // Reloads run one at a time, in order, so an older read can never overwrite a newer bundle.
  const reload = (): Promise<ReloadEvent> => {
    const run = queue.then(attempt, attempt)
    queue = run
    return run
  }

  if (options.watch) {
    const debounceMs = options.watchDebounceMs ?? 150
    const name = basename(bundlePath)
    // Watch the directory, not the file: an atomic replace (write temp + rename) gives the path a new
    // inode, which a file watch would silently stop following.
    watcher = watch(dirname(bundlePath), (_event, filename) => {
      if (closed || (filename !== null && filename.toString() !== name)) return
      clearTimeout(timer)
      timer = setTimeout(() => void reload(), debounceMs)
      timer.unref()
    })
    // Watching alone must not keep a process alive (a server is kept alive by its sockets anyway).
    watcher.unref()
    watcher.on('error', (error) =>
      logger.error({ error: describeError(error) }, 'policy bundle watch failed'),
    )
  }

  return {
    get bundle(): BundleInfo {
      return current.bundle
    },
    evaluate(input: unknown): Promise<PolicyEvaluation> {
      return current.evaluate(input)
    },
    scanTexts(texts) {
      return current.scanTexts(texts)
    },
    isToolVisible(input) {
      return current.isToolVisible(input)
    },
    reload,
    onReload(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close(): Promise<void> {
      closed = true
      clearTimeout(timer)
      watcher?.close()
      await queue.catch(() => undefined)
      listeners.clear()
      await current.close()
    },
  }
}
