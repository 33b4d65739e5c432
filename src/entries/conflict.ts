import { z } from 'zod'
import {
  type DecisionAction,
  decisionActionSchema,
  type Reason,
  toolCallInputSchema,
} from '../policy/index.js'
import { idField, loose, recordedReasonSchema } from './fields.js'

/** Which way the vendor runtime and the policy disagreed. */
export const conflictKindSchema = z.enum(['runtime_allowed_policy_denied', 'runtime_denied_policy_allowed'])
export type ConflictKind = z.infer<typeof conflictKindSchema>

const conflictShape = {
  decision_id: idField,
  event_id: idField.optional(),
  kind: conflictKindSchema,
  runtime: loose(toolCallInputSchema.shape.runtime.unwrap()),
  policy_action: decisionActionSchema,
  reasons: z.array(recordedReasonSchema),
  interrupted: z.boolean(),
}

/** Body of a `conflict` entry, read from the ledger: unknown members are kept, not rejected. */
export const conflictBodySchema = z.looseObject(conflictShape)

/** Body of a `conflict` entry: the runtime ran (or refused) a call the policy decided otherwise. */
export type ConflictBody = z.infer<z.ZodObject<typeof conflictShape>>

/**
 * Builds the body of a `conflict` entry.
 *
 * @example
 * toConflictBody({ decisionId: 'd1', eventId: 'sevt_1', kind: 'runtime_allowed_policy_denied',
 *   runtime: { decision: 'allow', policy: 'always_allow' }, policyAction: 'deny', reasons, interrupted: true })
 */
export function toConflictBody(args: {
  decisionId: string
  eventId?: string
  kind: ConflictKind
  runtime: { decision: 'allow' | 'ask' | 'deny'; policy?: string }
  policyAction: DecisionAction
  reasons: readonly Reason[]
  interrupted: boolean
}): ConflictBody {
  return {
    decision_id: args.decisionId,
    ...(args.eventId ? { event_id: args.eventId } : {}),
    kind: args.kind,
    runtime: {
      decision: args.runtime.decision,
      ...(args.runtime.policy ? { policy: args.runtime.policy } : {}),
    },
    policy_action: args.policyAction,
    reasons: [...args.reasons],
    interrupted: args.interrupted,
  }
}
