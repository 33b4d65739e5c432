import { type FSWatcher, watch } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { describeError, silentLogger } from '../shared/index.js'
import { type LoadPolicyEngineOptions, loadPolicyEngine, type ReloadablePolicyEngine } from './engine.js'
import { PolicyError } from './errors.js'
import type { BundleInfo, PolicyEvaluation } from './policy.types.js'

/**
 * A candidate (shadow) bundle: evaluated next to the live one, never enforced. Unlike the live engine
 * it may be unusable (the file is missing or invalid): that is reported, not thrown, so a broken
 * candidate never stops the live bundle from serving.
 */
export interface CandidatePolicyEngine {
  /** The candidate in force, or null while it has never loaded. */
  readonly bundle: BundleInfo | null
  /** Why there is no candidate in force (null once one loaded; a later bad file keeps the last good one). */
  readonly loadError: PolicyError | null
  /**
   * Evaluates like {@link ReloadablePolicyEngine.evaluate}.
   * @throws {PolicyError} the load error while no candidate has loaded.
   */
  evaluate(input: unknown): Promise<PolicyEvaluation>
  /** Re-reads the bundle file now (never rejects); `bundle` and `loadError` then say what happened. */
  reload(): Promise<void>
  close(): Promise<void>
}

function toPolicyError(error: unknown): PolicyError {
  if (error instanceof PolicyError) return error
  return new PolicyError('POLICY_BUNDLE_INVALID', `bundle rejected: ${describeError(error)}`, {
    cause: error,
  })
}

/**
 * Loads a candidate bundle for shadow evaluation with the same options as {@link loadPolicyEngine}.
 * Never rejects for a bad bundle: `loadError` holds why, and with `watch` a later valid file at the
 * same path is picked up (then hot-reloaded like the live bundle).
 *
 * @throws {PolicyError} POLICY_BUDGET_INVALID for an out-of-range budget option (a configuration error).
 * @example
 * const candidate = await loadCandidatePolicyEngine({ bundlePath: 'build/candidate.tar.gz', watch: true })
 * const guard = createGuard({ policy, shadowPolicy: candidate, ledger, redactionKey })
 */
export async function loadCandidatePolicyEngine(
  options: LoadPolicyEngineOptions,
): Promise<CandidatePolicyEngine> {
  const bundlePath = resolve(options.bundlePath)
  const logger = options.logger ?? silentLogger
  let engine: ReloadablePolicyEngine | null = null
  let loadError: PolicyError | null = null
  let closed = false
  let watcher: FSWatcher | undefined
  let timer: NodeJS.Timeout | undefined
  let queue: Promise<void> = Promise.resolve()

  const load = async (): Promise<void> => {
    if (closed || engine) return
    try {
      const loaded = await loadPolicyEngine({ ...options, bundlePath })
      if (closed) return void (await loaded.close())
      engine = loaded
      loadError = null
      // The engine watches the file itself from now on.
      watcher?.close()
      logger.info({ path: bundlePath, revision: loaded.bundle.revision }, 'shadow policy bundle loaded')
    } catch (error) {
      const rejected = toPolicyError(error)
      if (rejected.code === 'POLICY_BUDGET_INVALID') throw rejected
      loadError = rejected
      logger.error(
        { path: bundlePath, code: rejected.code, error: rejected.message },
        'shadow policy bundle not loaded; decisions record the error, the live bundle keeps serving',
      )
    }
  }
  await load()

  if (!engine && options.watch) {
    // Same approach as the live engine: watch the directory, so an atomic replace is seen too.
    const name = basename(bundlePath)
    watcher = watch(dirname(bundlePath), (_event, filename) => {
      if (closed || (filename !== null && filename.toString() !== name)) return
      clearTimeout(timer)
      timer = setTimeout(() => {
        queue = queue.then(load, load)
      }, options.watchDebounceMs ?? 150)
      timer.unref()
    })
    watcher.unref()
    watcher.on('error', (error) =>
      logger.error({ error: describeError(error) }, 'shadow bundle watch failed'),
    )
  }

  return {
    get bundle() {
      return engine?.bundle ?? null
    },
    get loadError() {
      return engine ? null : loadError
    },
    evaluate(input) {
      if (engine) return engine.evaluate(input)
      return Promise.reject(
        loadError ?? new PolicyError('POLICY_BUNDLE_UNREADABLE', 'shadow policy bundle not loaded'),
      )
    },
    async reload() {
      if (engine) {
        await engine.reload()
        return
      }
      queue = queue.then(load, load)
      await queue
    },
    async close() {
      closed = true
      clearTimeout(timer)
      watcher?.close()
      await queue.catch(() => undefined)
      await engine?.close()
    },
  }
}
