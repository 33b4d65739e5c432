import { type Clock, describeError, parseWith, toRfc3339Millis } from '../shared/index.js'
import { listIssues } from './decision-result.js'
import { type ToolCallInput, toolCallInputSchema } from './policy.types.js'

// Objects parseToolCallInput built: the engine need not validate them again. A WeakSet of identities,
// so only objects this module itself produced from a successful parse are ever trusted.
const validated = new WeakSet<object>()

/**
 * Validates a tool call with {@link toolCallInputSchema} and returns a fresh object the policy engine
 * recognises as already validated, so the guard and the engine check each call once, not twice.
 * Treat the result as immutable: the engine trusts it as it was when parsed.
 *
 * @throws {ValidationError} VALIDATION_FAILED listing every failing path (`invalid <what>: …`).
 * @example
 * const input = parseToolCallInput(JSON.parse(body))
 * const { decision } = await engine.evaluate(input) // not validated a second time
 */
export function parseToolCallInput(raw: unknown, what = 'tool call'): ToolCallInput {
  const input = parseWith(toolCallInputSchema, raw, what)
  validated.add(input)
  return input
}

/** What a policy evaluates: the validated input (with `context.time`) and its JSON text. */
export type PreparedInput =
  | { readonly ok: true; readonly input: ToolCallInput; readonly json: string }
  | { readonly ok: false; readonly message: string }

/**
 * Validates `raw` (unless {@link parseToolCallInput} already did), sets `context.time` from `clock`
 * on a copy (the caller's own value, if any, is overwritten: time comes from Arbiter's clock only) and
 * serialises it. Never throws: a bad input comes back as `{ ok: false, message }`.
 *
 * @example
 * const prepared = prepareInput(raw, systemClock)
 * if (prepared.ok) policy.evaluate(encoder.encode(prepared.json))
 */
export function prepareInput(raw: unknown, clock: Clock): PreparedInput {
  let parsed: ToolCallInput
  if (typeof raw === 'object' && raw !== null && validated.has(raw)) parsed = raw as ToolCallInput
  else {
    // Caller-supplied (often model-generated) data: validated before anything reads it.
    const result = toolCallInputSchema.safeParse(raw)
    if (!result.success)
      return { ok: false, message: `input is not a valid tool call: ${listIssues(result.error)}` }
    parsed = result.data
  }
  const input: ToolCallInput = {
    ...parsed,
    context: { ...parsed.context, time: toRfc3339Millis(clock.now()) },
  }
  try {
    return { ok: true, input, json: JSON.stringify(input) }
  } catch (error) {
    return { ok: false, message: `input is not JSON-serialisable: ${describeError(error)}` }
  }
}
