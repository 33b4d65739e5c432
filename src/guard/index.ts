// Policy types adapters need to build inputs and read reasons; adapters depend on guard only.
export { type Reason, reasonSchema, type ToolCallInput } from '../policy/index.js'
export type { ApprovalStatus, Approver } from './approval-state.js'
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
