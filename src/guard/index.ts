// Policy types adapters need to build inputs and read reasons; adapters depend on guard only.

// Entry bodies adapters read and write, likewise through the guard.
export {
  type Approver,
  type Caller,
  type CallerBody,
  type ConflictBody,
  type ConflictKind,
  type DecisionBody,
  type OutcomeBody,
  type RuntimeEventBody,
  readCaller,
  toAnswerRejectedBody,
  toConflictBody,
} from '../entries/index.js'
export { type DecisionAction, type Reason, reasonSchema, type ToolCallInput } from '../policy/index.js'
export {
  type AdmissionLimits,
  admitToolCall,
  assertArgumentBytes,
  DEFAULT_ADMISSION_LIMITS,
} from './admission.js'
export type { ApprovalStatus } from './approval-state.js'
export { type ApprovalDesk, createApprovalDesk, type PendingApproval } from './approvals.js'
export {
  ApprovalError,
  type ApprovalErrorCode,
  describeReasons,
  GuardError,
  type GuardErrorCode,
  reasonsForModel,
  ToolDeniedError,
} from './errors.js'
export {
  createFreeTextScrubber,
  type FreeTextOrigin,
  type FreeTextScrubber,
  MAX_STORED_TEXT,
  WITHHELD_TEXT,
} from './free-text.js'
export type {
  CallContext,
  CheckOptions,
  DecideOptions,
  Guard,
  GuardOptions,
  GuardVerdict,
  OutcomeReport,
  RecordedDecision,
  WrapMeta,
} from './guard.types.js'
export { createGuard } from './interceptor.js'
export { findUnknownOutcomes, type UnknownOutcome } from './outcomes.js'
export { createValueScrubber, REDACTED_TEXT, type ValueScrubber } from './value-scrubber.js'
