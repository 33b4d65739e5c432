import { type LoadedPolicy, loadPolicy } from '@open-policy-agent/opa-wasm'
import type { z } from 'zod'
import { type Clock, describeError, type Logger, toRfc3339Millis } from '../shared/index.js'
import type { BundleContents } from './bundle-loader.js'
import { PolicyError } from './errors.js'
import { DECISION_ENTRYPOINT } from './manifest.js'
import {
  ARBITER_RULES,
  type BundleInfo,
  type Decision,
  decisionSchema,
  type PolicyEvaluation,
  type ToolCallInput,
  toolCallInputSchema,
} from './policy.types.js'
import { createTextScanner, type TextScanner } from './text-scanner.js'

/**
 * Builtins the JavaScript host of @open-policy-agent/opa-wasm 1.10 implements (src/builtins/*.js).
 * Every other builtin a policy uses must be compiled into the WASM by OPA itself; a bundle that asks the
 * host for anything else would throw at evaluation time, so it is refused at load time instead.
 */
export const HOST_BUILTINS: ReadonlySet<string> = new Set([
  'json.is_valid',
  'sprintf',
  'regex.split',
  'yaml.is_valid',
  'yaml.marshal',
  'yaml.unmarshal',
])

/** A compiled bundle ready to evaluate; immutable once created (hot reload swaps whole evaluators). */
export interface Evaluator {
  readonly bundle: BundleInfo
  evaluate(input: unknown): PolicyEvaluation
  /** The bundle's `arbiter/scan` detectors over free text (throws POLICY_SCAN_FAILED without it). */
  readonly scanTexts: TextScanner
}

interface WasmExports {
  builtins(): number
  opa_json_dump(addr: number): number
}

/** Reads the `builtins` export: the builtins this WASM expects the host to provide. */
function hostBuiltinsRequired(policy: LoadedPolicy): string[] {
  const { exports } = policy.wasmInstance as unknown as { exports: WasmExports }
  const addr = exports.opa_json_dump(exports.builtins())
  const bytes = new Uint8Array(policy.mem.buffer)
  let end = addr
  while (bytes[end] !== 0) end++
  const json = JSON.parse(new TextDecoder().decode(bytes.subarray(addr, end))) as Record<string, number>
  return Object.keys(json)
}

function deny(rule: string, message: string): Decision {
  return { action: 'deny', reasons: [{ rule, message }] }
}

function listIssues(error: z.ZodError): string {
  const text = error.issues
    .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ')
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text
}

/** Turns the raw result set into a Decision, or says why it is not one. */
function toDecision(resultSet: unknown): { ok: true; decision: Decision } | { ok: false; why: string } {
  if (!Array.isArray(resultSet) || resultSet.length === 0)
    return { ok: false, why: `${DECISION_ENTRYPOINT} is undefined for this input` }
  const first: unknown = resultSet[0]
  if (resultSet.length !== 1 || typeof first !== 'object' || first === null || !('result' in first))
    return { ok: false, why: `${DECISION_ENTRYPOINT} returned an unexpected result set` }
  const parsed = decisionSchema.safeParse(first.result)
  if (!parsed.success) return { ok: false, why: `malformed decision: ${listIssues(parsed.error)}` }
  return { ok: true, decision: parsed.data }
}

/**
 * Instantiates a bundle's `policy.wasm`, loads its `data.json` and returns a synchronous evaluator.
 * `evaluate` never throws: invalid input and policy failures become deny decisions
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
  deps: { clock: Clock; logger: Logger },
): Promise<Evaluator> {
  let policy: LoadedPolicy
  try {
    policy = await loadPolicy(contents.wasm)
  } catch (error) {
    throw new PolicyError('POLICY_WASM_INVALID', `policy.wasm failed to load: ${describeError(error)}`, {
      cause: error,
    })
  }
  const unsupported = hostBuiltinsRequired(policy).filter((name) => !HOST_BUILTINS.has(name))
  if (unsupported.length > 0)
    throw new PolicyError(
      'POLICY_UNSUPPORTED_BUILTIN',
      `policy uses builtins opa-wasm cannot run: ${unsupported.sort().join(', ')}`,
    )
  const entrypoint = (policy.entrypoints as Record<string, number>)[DECISION_ENTRYPOINT]
  if (entrypoint === undefined)
    throw new PolicyError('POLICY_WASM_INVALID', `policy.wasm has no ${DECISION_ENTRYPOINT} entry point`)
  try {
    policy.setData(contents.data)
  } catch (error) {
    throw new PolicyError('POLICY_WASM_INVALID', `data.json was refused: ${describeError(error)}`, {
      cause: error,
    })
  }
  const bundle: BundleInfo = Object.freeze({
    revision: contents.manifest.revision,
    sha256: contents.sha256,
    loadedAt: deps.clock.now(),
  })
  const encoder = new TextEncoder()
  const { clock, logger } = deps

  const finish = (decision: Decision, input: ToolCallInput | null, started: number): PolicyEvaluation => ({
    decision,
    input,
    bundle,
    durationUs: Math.round((performance.now() - started) * 1000),
  })

  return {
    bundle,
    scanTexts: createTextScanner(policy),
    evaluate(raw: unknown): PolicyEvaluation {
      const started = performance.now()
      // Caller-supplied (often model-generated) data: validated before anything reads it.
      const parsed = toolCallInputSchema.safeParse(raw)
      if (!parsed.success) {
        const message = `input is not a valid tool call: ${listIssues(parsed.error)}`
        return finish(deny(ARBITER_RULES.invalidInput, message), null, started)
      }
      const input = parsed.data
      // zod built `input` (and `input.context`) afresh, so setting the time mutates no caller object.
      // The caller's own `context.time`, if any, is overwritten: time comes from Arbiter's clock only.
      input.context = { ...input.context, time: toRfc3339Millis(clock.now()) }
      let bytes: Uint8Array
      try {
        bytes = encoder.encode(JSON.stringify(input))
      } catch (error) {
        const message = `input is not JSON-serialisable: ${describeError(error)}`
        return finish(deny(ARBITER_RULES.invalidInput, message), null, started)
      }
      let resultSet: unknown
      try {
        // An ArrayBuffer of JSON is copied straight into WASM memory (no second JSON.stringify).
        const buffer =
          bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
            ? bytes.buffer
            : bytes.slice().buffer
        resultSet = policy.evaluate(buffer, entrypoint)
      } catch (error) {
        // opa-wasm throws plain strings (aborts, missing builtins, halting errors such as conflicts).
        const why = describeError(error)
        logger.error({ revision: bundle.revision, error: why }, 'policy evaluation failed; denying')
        return finish(deny(ARBITER_RULES.policyError, `policy evaluation failed: ${why}`), input, started)
      }
      const result = toDecision(resultSet)
      if (!result.ok) {
        logger.error(
          { revision: bundle.revision, error: result.why },
          'policy returned no valid decision; denying',
        )
        return finish(deny(ARBITER_RULES.policyError, result.why), input, started)
      }
      return finish(result.decision, input, started)
    },
  }
}
