import { redactArguments, valueAtPointer } from '../ledger/index.js'
import { ARBITER_RULES, type Decision, type ToolCallInput } from '../policy/index.js'
import { collectSensitiveValues, splitInputPointers } from './sensitive-values.js'
import { createValueScrubber, type ValueScrubber } from './value-scrubber.js'

/** A decision made safe to store, return and log, and what it knows about the call's sensitive values. */
export interface ProtectedDecision {
  /** The input as the ledger stores it: redacted pointers as HMAC markers, other sensitive text replaced. */
  readonly storedInput: ToolCallInput
  /** The decision as stored and returned: reasons scrubbed; `redact`/`redact_input` as applied. */
  readonly decision: Decision
  /** The call's sensitive values, for texts written later (the tool's error message). */
  readonly scrubber: ValueScrubber
}

type Json = Record<string, unknown> | unknown[]

function isContainer(value: unknown): value is Json {
  return typeof value === 'object' && value !== null
}

/**
 * Replaces, in place, every string below `root` by its scrubbed form, except inside `skip` (the
 * HMAC markers just written: their digests must stay verifiable). Keys are not touched. Iterative.
 */
function scrubStrings(root: Json, scrubber: ValueScrubber, skip: ReadonlySet<unknown>): void {
  const stack: Json[] = [root]
  while (stack.length > 0) {
    const node = stack.pop()!
    if (skip.has(node)) continue
    const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node)
    for (const key of keys) {
      const value = (node as Record<string | number, unknown>)[key]
      if (typeof value === 'string') (node as Record<string | number, unknown>)[key] = scrubber.scrub(value)
      else if (isContainer(value)) stack.push(value)
    }
  }
}

/** The markers `redactArguments` put at `pointers` (objects, found again by pointer). */
function markersAt(root: unknown, pointers: readonly string[]): unknown[] {
  return pointers.map((p) => valueAtPointer(root, p)).filter(isContainer)
}

/** A denial the engine produced itself (bad input, failing policy): the policy never said what to hide. */
function engineFailure(decision: Decision): boolean {
  return decision.reasons.some(
    (r) => r.rule === ARBITER_RULES.policyError || r.rule === ARBITER_RULES.invalidInput,
  )
}

/**
 * Applies a decision's redactions to the input it judged, and scrubs every other stored string.
 *
 * 1. `redact` (pointers into `arguments`) and `redact_input` (pointers into the input) name what the
 *    ledger must not hold. Under `arguments` and `context` the values become HMAC markers
 *    (`redactArguments`); identity strings (`/principal/id` …) become `[redacted]`.
 * 2. The raw values at all those pointers (strings, numbers, every leaf below an object) are then
 *    replaced wherever else they occur: reason messages, identity strings, context, other arguments.
 * 3. When the engine itself denied (policy error, invalid input) nothing says what is sensitive, so
 *    all of `arguments` and `context` is redacted.
 *
 * `flaggedIdentity` adds identity pointers the guard's own scan flagged (see `createIdentityScanner`).
 *
 * Pure; works on copies. `context.time` is Arbiter's own clock reading and is left as it is.
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID for an empty redaction key.
 * @example
 * const { storedInput, decision, scrubber } = protectDecision(input, evaluation.decision, key)
 */
export function protectDecision(
  input: ToolCallInput,
  decision: Decision,
  redactionKey: string | Uint8Array,
  flaggedIdentity: readonly string[] = [],
): ProtectedDecision {
  const failed = engineFailure(decision)
  const fromInput = splitInputPointers([...new Set([...(decision.redact_input ?? []), ...flaggedIdentity])])
  const argumentPointers = failed ? [''] : [...new Set([...(decision.redact ?? []), ...fromInput.arguments])]
  const context = input.context
  const contextPointers = !context ? [] : failed ? [''] : fromInput.context
  const scrubber = createValueScrubber([
    ...collectSensitiveValues(input.arguments, argumentPointers),
    ...collectSensitiveValues(context, contextPointers),
    ...collectSensitiveValues(input, fromInput.identity),
  ])

  // Copies only where something will change: the caller's objects are never modified.
  const scrubbing = !scrubber.empty
  const storedArguments = redactArguments(input.arguments, argumentPointers, redactionKey)
  const storedContext =
    context && (scrubbing || contextPointers.length > 0)
      ? redactArguments(context, contextPointers, redactionKey)
      : context
  const markers = new Set([
    ...markersAt(storedArguments, argumentPointers),
    ...(storedContext ? markersAt(storedContext, contextPointers) : []),
  ])
  const { tool, agent, principal, session, runtime } = input
  const identity = { tool, agent, principal, session, ...(runtime ? { runtime } : {}) }
  const storedInput = {
    ...input,
    // Identity members are small, fixed-shape objects: a JSON copy is cheap.
    ...(scrubbing ? (JSON.parse(JSON.stringify(identity)) as typeof identity) : identity),
    arguments: storedArguments,
  } as ToolCallInput
  if (storedContext) storedInput.context = storedContext
  if (scrubbing) {
    scrubStrings(storedInput as unknown as Json, scrubber, markers)
    // Enumerations Arbiter validated carry nothing of the caller's, and time is Arbiter's own.
    storedInput.tool.kind = input.tool.kind
    if (input.runtime && storedInput.runtime) storedInput.runtime.decision = input.runtime.decision
    if (storedContext && typeof context?.time === 'string' && typeof storedContext.time === 'string')
      storedContext.time = context.time
  }

  return {
    storedInput,
    decision: {
      ...decision,
      reasons: decision.reasons.map((r) => ({ rule: r.rule, message: scrubber.scrub(r.message) })),
      redact: argumentPointers,
      ...(contextPointers.length + fromInput.identity.length > 0
        ? {
            redact_input: [...contextPointers.map((p) => `/context${p}`), ...fromInput.identity],
          }
        : {}),
    },
    scrubber,
  }
}
