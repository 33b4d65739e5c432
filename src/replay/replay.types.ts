import type { DecisionAction } from '../policy/index.js'

/** How a candidate decides a recorded call differently from the bundle that decided it. */
export type ChangeKind =
  | 'allow_to_deny'
  | 'deny_to_allow'
  | 'approval_added'
  | 'approval_removed'
  | 'rules_changed'

/** Every {@link ChangeKind}, in report order. */
export const CHANGE_KINDS: readonly ChangeKind[] = [
  'allow_to_deny',
  'deny_to_allow',
  'approval_added',
  'approval_removed',
  'rules_changed',
]

/**
 * Why a recorded decision could not be replayed (it is counted apart, never guessed):
 * - `fidelity_mismatch`: the bundle that made it, run again on the recorded input, does not give the
 *   recorded action and rule ids (e.g. a rule read a value that was redacted before storage);
 * - `bundle_not_archived`: the bundle it names is not in the archive;
 * - `input_invalid`: the recorded body or input does not parse (schema of `src/entries`);
 * - `evaluation_failed`: a bundle could not be loaded or evaluated.
 */
export type NotReplayableReason =
  | 'fidelity_mismatch'
  | 'bundle_not_archived'
  | 'input_invalid'
  | 'evaluation_failed'

export const NOT_REPLAYABLE_REASONS: readonly NotReplayableReason[] = [
  'fidelity_mismatch',
  'bundle_not_archived',
  'input_invalid',
  'evaluation_failed',
]

/** Where a decision is in the ledger. */
export interface LedgerRef {
  readonly chain: string
  readonly seq: number
  readonly decisionId: string
}

/** An action with its sorted, unique rule ids. */
export interface Verdict {
  readonly action: DecisionAction
  readonly rules: readonly string[]
}

/** One changed decision, as the report shows it. */
export interface ChangeExample extends LedgerRef {
  readonly kind: ChangeKind
  readonly ts: string
  readonly tool: string
  readonly agent: string
  readonly recorded: Verdict
  readonly candidate: Verdict
}

/** One decision that could not be replayed, as the report shows it. */
export interface NotReplayableExample extends LedgerRef {
  readonly reason: NotReplayableReason
  readonly ts: string
  readonly detail: string
}

/** Changes attributed to one rule id: decisions where the candidate added or dropped it. */
export interface RuleCount {
  readonly rule: string
  readonly added: number
  readonly removed: number
}

/** What `arbiter policy replay` found. */
export interface ReplayReport {
  readonly candidate: { readonly revision: string; readonly sha256: string }
  /** Decisions selected and read. */
  readonly decisions: number
  /** Replayed with fidelity (the bundle that made them reproduced them). */
  readonly replayed: number
  /** Of the replayed, how many the candidate decides the same way (same action and rule ids). */
  readonly unchanged: number
  readonly changes: Readonly<Record<ChangeKind, number>>
  readonly notReplayable: Readonly<Record<NotReplayableReason, number>>
  /** Sorted by rule id. */
  readonly rules: readonly RuleCount[]
  /** The first examples of each change kind, in ledger order (chain, seq). */
  readonly examples: readonly ChangeExample[]
  readonly notReplayableExamples: readonly NotReplayableExample[]
  /** The recorded bundles the fidelity pass used (SHA-256, revision), sorted by SHA-256. */
  readonly recordedBundles: readonly { readonly sha256: string; readonly revision: string }[]
}

/** Which recorded decisions to replay; every field optional, all combined with AND. */
export interface ReplaySelection {
  readonly chain?: string
  /** Entry time bounds, inclusive `since`, exclusive `until`. */
  readonly since?: Date
  readonly until?: Date
  /** Sequence bounds (inclusive), on `chain`. */
  readonly fromSeq?: number
  readonly toSeq?: number
  readonly tool?: string
  readonly agent?: string
  /** A recorded reason with this rule id. */
  readonly rule?: string
}
