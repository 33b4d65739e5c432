// Front door of the typed bodies of Arbiter's ledger entries: one schema, one type and one builder per
// entry type. Writers build bodies with the `to…Body` functions; readers parse them with
// `parseEntryBody` / `readEntry` / `readEntries` (loose: members a newer version added are kept).
// The ledger itself stays generic and stores any object body.
export {
  type ApprovalBody,
  type ApprovalRefusedBody,
  type ApprovalRequestBody,
  type Approver,
  approvalBodySchema,
  approvalRefusedBodySchema,
  approvalRequestBodySchema,
  approverSchema,
  toApprovalBody,
  toApprovalRefusedBody,
  toApprovalRequestBody,
} from './approval.js'
export {
  type EntryBodies,
  type EntryBodyOf,
  entryBodySchemas,
  isKnownEntryType,
  KNOWN_ENTRY_TYPES,
  type KnownEntryType,
} from './bodies.js'
export {
  type Caller,
  type CallerBody,
  callerBodySchema,
  callerField,
  readCaller,
  toCaller,
} from './caller.js'
export {
  type ConflictBody,
  type ConflictKind,
  conflictBodySchema,
  conflictKindSchema,
  toConflictBody,
} from './conflict.js'
export { type DecisionBody, decisionBodySchema, recordedInputSchema, toDecisionBody } from './decision.js'
export { EntryBodyError, type EntryErrorCode, type EntryLocation } from './errors.js'
export {
  type OutcomeBody,
  type OutcomeFacts,
  type OutcomeStatus,
  outcomeBodySchema,
  outcomeStatusSchema,
  toOutcomeBody,
} from './outcome.js'
export {
  type PolicyLoadedBody,
  type PolicyLoader,
  policyLoadedBodySchema,
  policyLoaderSchema,
  thisProcess,
  toPolicyLoadedBody,
} from './policy-loaded.js'
export {
  decisionIdOf,
  type EntryLike,
  type KnownEntry,
  type ParsedBody,
  parseEntry,
  parseEntryBody,
  readEntries,
  readEntry,
  SkippedEntries,
  safeParseEntryBody,
  type TypedEntry,
} from './read.js'
export {
  type RuntimeEventBody,
  type RuntimeEventKind,
  runtimeEventBodySchema,
  runtimeEventKindSchema,
  toAnswerRejectedBody,
} from './runtime-event.js'
export { type ShadowBody, shadowBodySchema } from './shadow.js'
