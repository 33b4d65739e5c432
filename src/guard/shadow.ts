import type { ShadowBody } from '../entries/index.js'
import {
  ARBITER_RULES,
  type BundleInfo,
  type Decision,
  type PolicyEngine,
  type PolicyEvaluation,
  type ToolCallInput,
} from '../policy/index.js'
import { describeError } from '../shared/index.js'

/**
 * A candidate bundle evaluated next to the live one (`GuardOptions.shadowPolicy`). A `PolicyEngine`
 * fits, and so does a `CandidatePolicyEngine`, whose `bundle` is null while it has never loaded.
 */
export type ShadowPolicy = Pick<PolicyEngine, 'evaluate'> & { readonly bundle?: BundleInfo | null }

/** What the candidate produced for one call: a decision, or why there is none. */
export type ShadowResult =
  | { readonly kind: 'decided'; readonly evaluation: PolicyEvaluation }
  | { readonly kind: 'failed'; readonly error: string; readonly bundle: BundleInfo | null }

/** Longest the guard waits for the candidate before it records the decision without it, ms. */
export const DEFAULT_SHADOW_WAIT_MS = 2000

// Error text can quote the input (a builtin's message); it is scrubbed and kept short.
const MAX_ERROR_LENGTH = 500

/**
 * Starts the candidate's one evaluation of `input`. The promise never rejects: the shadow must never
 * fail a call, so every failure becomes a `failed` result.
 *
 * @example
 * const pending = startShadow(candidate, input) // runs next to the live evaluation
 */
export function startShadow(
  shadow: ShadowPolicy,
  input: ToolCallInput,
  waitMs = DEFAULT_SHADOW_WAIT_MS,
): Promise<ShadowResult> {
  const bundle = () => shadow.bundle ?? null
  let timer: NodeJS.Timeout | undefined
  // The engine bounds its own evaluations; this bounds any other `ShadowPolicy`, so a hung candidate
  // can delay a decision by `waitMs` at most, never hold it.
  const overdue = new Promise<ShadowResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          kind: 'failed',
          error: `shadow evaluation did not finish within ${waitMs} ms`,
          bundle: bundle(),
        }),
      waitMs,
    )
    timer.unref()
  })
  return Promise.race([evaluateShadow(shadow, input, bundle), overdue]).finally(() => clearTimeout(timer))
}

function evaluateShadow(
  shadow: ShadowPolicy,
  input: ToolCallInput,
  bundle: () => BundleInfo | null,
): Promise<ShadowResult> {
  try {
    return shadow.evaluate(input).then(
      (evaluation): ShadowResult => {
        // The engine turns a failing or overrunning policy into a deny with an arbiter rule: for a
        // candidate that is an error to record, not a decision to compare.
        const failure = evaluation.decision.reasons.find(
          (r) => r.rule === ARBITER_RULES.policyError || r.rule === ARBITER_RULES.invalidInput,
        )
        if (failure) return { kind: 'failed', error: failure.message, bundle: evaluation.bundle }
        return { kind: 'decided', evaluation }
      },
      (error: unknown): ShadowResult => ({ kind: 'failed', error: describeError(error), bundle: bundle() }),
    )
  } catch (error) {
    return Promise.resolve({ kind: 'failed', error: describeError(error), bundle: bundle() })
  }
}

/** Sorted rule ids without duplicates: what "the same rules" means when comparing two decisions. */
export function ruleIds(decision: Pick<Decision, 'reasons'>): string[] {
  return [...new Set(decision.reasons.map((r) => r.rule))].sort()
}

/**
 * The `shadow` member of the decision body: the candidate's action and rule ids next to whether they
 * agree with the live decision, or its error (scrubbed with `scrub`, the call's redacted values).
 *
 * @example
 * const shadow = toShadowBody(await pending, recorded.decision, (t) => scrubber.scrub(t))
 */
export function toShadowBody(
  result: ShadowResult,
  live: Decision,
  scrub: (text: string) => string,
): ShadowBody {
  if (result.kind === 'failed') {
    const text = scrub(result.error)
    return {
      ...(result.bundle
        ? { bundle: { revision: result.bundle.revision, sha256: result.bundle.sha256 } }
        : {}),
      error: text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text,
    }
  }
  const { decision, bundle, durationUs } = result.evaluation
  const rules = ruleIds(decision)
  const liveRules = ruleIds(live)
  const agrees =
    decision.action === live.action &&
    rules.length === liveRules.length &&
    rules.every((rule, i) => rule === liveRules[i])
  return {
    bundle: { revision: bundle.revision, sha256: bundle.sha256 },
    action: decision.action,
    rules,
    agrees,
    duration_us: Math.round(durationUs),
  }
}
