import { z } from 'zod'
import {
  decisionActionSchema,
  decisionSchema,
  type PolicyEvaluation,
  type ToolCallInput,
  toolCallInputSchema,
} from '../policy/index.js'
import { type Caller, callerBodySchema, callerField } from './caller.js'
import { bundleRefSchema, idField, loose, recordedReasonSchema } from './fields.js'
import { type ShadowBody, shadowBodySchema } from './shadow.js'

const input = toolCallInputSchema.shape

/**
 * `input` of a decision body: the tool call as the policy saw it (with `context.time` set by Arbiter),
 * arguments already redacted. Same fields as the policy's `ToolCallInput`, read loosely.
 */
export const recordedInputSchema = z.looseObject({
  tool: loose(input.tool),
  arguments: input.arguments,
  agent: loose(input.agent),
  principal: loose(input.principal),
  session: loose(input.session),
  runtime: loose(input.runtime.unwrap()).optional(),
  // The caller's free context, plus `time` that the evaluator always sets (RFC 3339).
  context: input.context,
})

const decisionShape = {
  decision_id: idField,
  event_id: idField.optional(),
  input: recordedInputSchema,
  action: decisionActionSchema,
  reasons: z.array(recordedReasonSchema),
  approval: loose(decisionSchema.shape.approval.unwrap()).optional(),
  redacted: z.array(z.string()),
  redacted_input: z.array(z.string()).optional(),
  bundle: bundleRefSchema,
  duration_us: z.number().int().nonnegative(),
  caller: callerBodySchema.optional(),
  shadow: shadowBodySchema.optional(),
}

/** Body of a `decision` entry, read from the ledger: unknown members are kept, not rejected. */
export const decisionBodySchema = z.looseObject(decisionShape)

/** Body of a `decision` entry (see docs/ledger-format.md, "Bodies"). */
export type DecisionBody = z.infer<z.ZodObject<typeof decisionShape>>

/**
 * Builds the body of a `decision` entry. `redactedArguments` must already be redacted; `redacted`
 * lists the JSON pointers that were.
 *
 * @example
 * const body = toDecisionBody({ decisionId: 'd1', evaluation, input, redactedArguments })
 * await ledger.append({ chain: 'default', type: 'decision', body })
 */
export function toDecisionBody(args: {
  decisionId: string
  eventId?: string
  evaluation: PolicyEvaluation
  input: ToolCallInput
  redactedArguments: Record<string, unknown>
  /** The API key that asked (HTTP); absent for in-process calls. */
  caller?: Caller
  /** What the shadow (candidate) bundle decided on the same input, when one is configured. */
  shadow?: ShadowBody
}): DecisionBody {
  const { decision, bundle } = args.evaluation
  return {
    decision_id: args.decisionId,
    ...(args.eventId ? { event_id: args.eventId } : {}),
    input: { ...args.input, arguments: args.redactedArguments },
    action: decision.action,
    reasons: decision.reasons,
    ...(decision.approval ? { approval: decision.approval } : {}),
    redacted: decision.redact ?? [],
    // Only when something outside the arguments was redacted, so older bodies keep their form.
    ...(decision.redact_input?.length ? { redacted_input: [...decision.redact_input] } : {}),
    bundle: { revision: bundle.revision, sha256: bundle.sha256 },
    duration_us: Math.round(args.evaluation.durationUs),
    ...callerField(args.caller),
    ...(args.shadow ? { shadow: args.shadow } : {}),
  }
}
