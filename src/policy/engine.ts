import { type FSWatcher, watch } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { type Clock, describeError, type Logger, silentLogger, systemClock } from '../shared/index.js'
import { readBundle } from './bundle-loader.js'
import { PolicyError } from './errors.js'
import { createEvaluator, type Evaluator } from './evaluator.js'
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
}

function toPolicyError(error: unknown): PolicyError {
  if (error instanceof PolicyError) return error
  return new PolicyError('POLICY_BUNDLE_INVALID', `bundle rejected: ${describeError(error)}`, {
    cause: error,
  })
}

/**
 * Loads the bundle at `bundlePath` into a policy engine, optionally hot-reloading it when the file changes.
 * A valid new bundle replaces the old one atomically; an invalid one is logged and rejected, and the last
 * good bundle stays in force. Evaluation is synchronous, so a swap can never land in the middle of an
 * evaluation: each `evaluate` call reads the current evaluator once and runs to completion on it.
 *
 * @throws {PolicyError} POLICY_BUNDLE_UNREADABLE, POLICY_BUNDLE_INVALID, POLICY_WASM_INVALID or
 *   POLICY_UNSUPPORTED_BUILTIN when the initial bundle cannot be used (there is no last good one).
 * @example
 * const engine = await loadPolicyEngine({ bundlePath: 'build/bundle.tar.gz', watch: true, logger })
 * engine.onReload((e) => e.ok && recordPolicyLoaded(e.bundle))
 * const { decision, bundle } = engine.evaluate(toolCall)
 * await engine.close()
 */
export async function loadPolicyEngine(options: LoadPolicyEngineOptions): Promise<ReloadablePolicyEngine> {
  const bundlePath = resolve(options.bundlePath)
  const logger = options.logger ?? silentLogger
  const clock = options.clock ?? systemClock
  const build = async (): Promise<Evaluator> =>
    createEvaluator(await readBundle(bundlePath), { clock, logger })

  let current = await build()
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
    let next: Evaluator
    try {
      next = await build()
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
    if (next.bundle.sha256 === current.bundle.sha256)
      return { ok: true, changed: false, bundle: current.bundle, previous: current.bundle }
    const previous = current.bundle
    current = next // the atomic swap: one reference assignment
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
    evaluate(input: unknown): PolicyEvaluation {
      return current.evaluate(input)
    },
    scanTexts(texts) {
      return current.scanTexts(texts)
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
    },
  }
}
