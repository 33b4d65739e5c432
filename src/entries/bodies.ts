import type { z } from 'zod'
import {
  type ApprovalBody,
  type ApprovalRefusedBody,
  type ApprovalRequestBody,
  approvalBodySchema,
  approvalRefusedBodySchema,
  approvalRequestBodySchema,
} from './approval.js'
import { type ConflictBody, conflictBodySchema } from './conflict.js'
import { type DecisionBody, decisionBodySchema } from './decision.js'
import { type OutcomeBody, outcomeBodySchema } from './outcome.js'
import { type PolicyLoadedBody, policyLoadedBodySchema } from './policy-loaded.js'
import { type RuntimeEventBody, runtimeEventBodySchema } from './runtime-event.js'

/** The body type of every entry type Arbiter writes. The ledger itself stores any object body. */
export interface EntryBodies {
  decision: DecisionBody
  outcome: OutcomeBody
  approval_request: ApprovalRequestBody
  approval: ApprovalBody
  approval_refused: ApprovalRefusedBody
  conflict: ConflictBody
  policy_loaded: PolicyLoadedBody
  runtime_event: RuntimeEventBody
}

/** Entry types Arbiter writes. Other strings are allowed in the ledger (the format does not close the set). */
export type KnownEntryType = keyof EntryBodies

/** The body an entry of type `T` takes: typed for the types Arbiter writes, any object for others. */
export type EntryBodyOf<T extends string> = T extends KnownEntryType
  ? EntryBodies[T]
  : Record<string, unknown>

/**
 * The one reading schema per entry type (loose: members a newer version added are kept). Typed per
 * entry type so `entryBodySchemas[type].parse(body)` is an `EntryBodies[type]`; the individual
 * schemas (`decisionBodySchema`, …) keep their object shapes.
 */
export const entryBodySchemas: { readonly [T in KnownEntryType]: z.ZodType<EntryBodies[T]> } = {
  decision: decisionBodySchema,
  outcome: outcomeBodySchema,
  approval_request: approvalRequestBodySchema,
  approval: approvalBodySchema,
  approval_refused: approvalRefusedBodySchema,
  conflict: conflictBodySchema,
  policy_loaded: policyLoadedBodySchema,
  runtime_event: runtimeEventBodySchema,
}

/** Every known entry type, in the order the format document lists them. */
export const KNOWN_ENTRY_TYPES = Object.keys(entryBodySchemas) as readonly KnownEntryType[]

/** Whether Arbiter knows (and has a body schema for) this entry type. */
export function isKnownEntryType(type: string): type is KnownEntryType {
  return Object.hasOwn(entryBodySchemas, type)
}
