import { type Clock, describeError, type Logger } from '../shared/index.js'
import type { BundleContents } from './bundle-loader.js'
import { deny, toDecision } from './decision-result.js'
import { prepareInput } from './evaluation-input.js'
import { ARBITER_RULES, type BundleInfo, type Decision, type PolicyEvaluation } from './policy.types.js'
import { instantiateWasmPolicy } from './wasm-policy.js'

/**
 * A compiled bundle evaluated synchronously on the calling thread, without a time budget. The engine
 * (`loadPolicyEngine`) runs bundles in worker threads with a deadline instead; this one serves load
 * checks (`arbiter policy build`) and is the in-thread baseline the benchmark compares against.
 */
export interface Evaluator {
  readonly bundle: BundleInfo
  evaluate(input: unknown): PolicyEvaluation
}

/** The `data.json` of a bundle as the UTF-8 JSON bytes a WASM instance loads. */
export function dataBytes(contents: BundleContents): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(contents.data))
}

/**
 * Instantiates a bundle's `policy.wasm` in this thread, loads its `data.json` and returns a synchronous
 * evaluator. `evaluate` never throws: invalid input and policy failures become deny decisions
 * (`arbiter.invalid_input`, `arbiter.policy_error`). `context.time` is always set from `clock`.
 *
 * @throws {PolicyError} POLICY_WASM_INVALID when the module does not instantiate or lacks the entry point;
 *   POLICY_UNSUPPORTED_BUILTIN when it needs a builtin the JavaScript host lacks.
 * @example
 * const evaluator = await createEvaluator(await readBundle('build/bundle.tar.gz'), { clock: systemClock, logger })
 * evaluator.evaluate(input).decision.action // 'allow' | 'deny' | 'require_approval'
 */
export async function createEvaluator(
  contents: BundleContents,
  deps: { clock: Clock; logger: Logger; maxMemoryMiB?: number },
): Promise<Evaluator> {
  const policy = await instantiateWasmPolicy(contents.wasm, dataBytes(contents), {
    ...(deps.maxMemoryMiB !== undefined ? { maxMemoryMiB: deps.maxMemoryMiB } : {}),
  })
  const bundle: BundleInfo = Object.freeze({
    revision: contents.manifest.revision,
    sha256: contents.sha256,
    loadedAt: deps.clock.now(),
  })
  const encoder = new TextEncoder()
  const decoder = new TextDecoder()
  const { clock, logger } = deps

  const finish = (decision: Decision, input: PolicyEvaluation['input'], started: number) => ({
    decision,
    input,
    bundle,
    durationUs: Math.round((performance.now() - started) * 1000),
  })

  return {
    bundle,
    evaluate(raw: unknown): PolicyEvaluation {
      const started = performance.now()
      const prepared = prepareInput(raw, clock)
      if (!prepared.ok) return finish(deny(ARBITER_RULES.invalidInput, prepared.message), null, started)
      let resultSet: string
      try {
        resultSet = decoder.decode(policy.evaluate(encoder.encode(prepared.json)))
      } catch (error) {
        // opa-wasm throws plain strings (aborts, missing builtins, halting errors such as conflicts).
        const why = describeError(error)
        logger.error({ revision: bundle.revision, error: why }, 'policy evaluation failed; denying')
        return finish(
          deny(ARBITER_RULES.policyError, `policy evaluation failed: ${why}`),
          prepared.input,
          started,
        )
      }
      const result = toDecision(resultSet)
      if (!result.ok) {
        logger.error(
          { revision: bundle.revision, error: result.why },
          'policy returned no valid decision; denying',
        )
        return finish(deny(ARBITER_RULES.policyError, result.why), prepared.input, started)
      }
      return finish(result.decision, prepared.input, started)
    },
  }
}
