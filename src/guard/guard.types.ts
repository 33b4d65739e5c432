import type { Ledger } from '../ledger/index.js'
import type { Decision, PolicyEngine, Reason, ToolCallInput } from '../policy/index.js'
import type { Clock, IdFactory, Logger } from '../shared/index.js'
import type { ApprovalDesk } from './approvals.js'

/** Who is calling a tool, on whose behalf, in which session: everything of a call but the tool itself. */
export interface CallContext {
  readonly agent: ToolCallInput['agent']
  readonly principal: ToolCallInput['principal']
  readonly session: ToolCallInput['session']
  readonly context?: Record<string, unknown>
}

export interface GuardOptions {
  /** Only `evaluate` and `bundle` are used; a `PolicyEngine` from `loadPolicyEngine` fits. */
  readonly policy: Pick<PolicyEngine, 'evaluate'>
  readonly ledger: Ledger
  /** Ledger chain this guard writes to (e.g. one per tenant). Default `default`. */
  readonly chain?: string
  /** HMAC key for `redactArguments`; redacted values become keyed digests, never the value. */
  readonly redactionKey: string | Uint8Array
  readonly clock?: Clock
  readonly ids?: IdFactory
  readonly approvals?: {
    /** How long a call waits for approvers before it is denied. Default 5 minutes. */
    readonly timeoutMs?: number
    /** How often the waiting call re-reads the ledger for approvals. Default 500 ms. */
    readonly pollMs?: number
  }
  /** Store the full tool result in outcome entries (otherwise only its SHA-256). Default false. */
  readonly recordResults?: boolean
  /** Largest serialized `arguments` accepted, bytes. Default 256 KiB. Same as `admission.maxArgumentBytes`. */
  readonly maxArgumentBytes?: number
  /**
   * Admission limits every call must meet before it is evaluated (each field of the call on its own):
   * nesting depth (default 32), number of values (default 10,000) and `arguments` bytes (default 256 KiB).
   * A call past one is refused with VALIDATION_FAILED (PAYLOAD_TOO_LARGE for bytes) naming the limit.
   */
  readonly admission?: {
    readonly maxDepth?: number
    readonly maxNodes?: number
    readonly maxArgumentBytes?: number
  }
  readonly logger?: Logger
}

/** Extra facts about one call that come from outside the tool input (adapters use these). */
export interface CheckOptions {
  /** Vendor event id (Managed Agents); stored as `event_id` and used to de-duplicate. */
  readonly eventId?: string
  /**
   * Wait for human approvals when the decision is `require_approval` (default true). Adapters that
   * observe a call the runtime already ran pass false: there is nothing left to hold.
   */
  readonly awaitApproval?: boolean
}

/** A decision as recorded in the ledger, before any approval. */
export interface RecordedDecision {
  readonly decisionId: string
  readonly decision: Decision
  /** The validated input as evaluated (arguments not redacted: it never leaves the process). */
  readonly input: ToolCallInput
  /** Ledger seq of the `decision` entry. */
  readonly seq: number
}

/** The settled answer for a call: run it, or do not (with reasons for the model). */
export type GuardVerdict =
  | { readonly kind: 'allow'; readonly decisionId: string; readonly recorded: RecordedDecision }
  | {
      readonly kind: 'deny'
      readonly decisionId: string
      readonly reasons: readonly Reason[]
      readonly recorded: RecordedDecision
    }

/** What `guard.recordOutcome` writes, linked to its decision. */
export interface OutcomeReport {
  readonly status: 'ok' | 'error' | 'runtime_reported' | 'not_run'
  readonly eventId?: string
  readonly durationMs?: number
  /** Tool result; hashed (and stored when `recordResults`). */
  readonly result?: unknown
  readonly error?: string
}

/** How `guard.wrap` learns the facts a plain function does not carry. */
export interface WrapMeta<P extends unknown[]> {
  readonly kind?: ToolCallInput['tool']['kind']
  readonly server?: string
  /** The caller's identity: fixed, or resolved per call from the arguments. */
  readonly context: CallContext | ((...args: P) => CallContext | Promise<CallContext>)
  /**
   * Maps the call's parameters to the policy's `arguments` object. Default: the first parameter
   * when it is a plain object, else `{ args: [...] }`.
   */
  readonly toArguments?: (...args: P) => Record<string, unknown>
}

export interface Guard {
  readonly chain: string
  readonly approvals: ApprovalDesk
  /**
   * Validates, evaluates and durably records a decision, then settles `require_approval` by waiting
   * for approvers. Never runs anything.
   */
  check(input: unknown, options?: CheckOptions): Promise<GuardVerdict>
  /** `check`, then runs `run` only when allowed, then records the outcome. */
  execute<T>(input: unknown, run: () => T | Promise<T>, options?: CheckOptions): Promise<Awaited<T>>
  /** Returns `run` guarded: same parameters, always async. */
  wrap<P extends unknown[], R>(
    toolName: string,
    run: (...args: P) => R | Promise<R>,
    meta: WrapMeta<P>,
  ): (...args: P) => Promise<Awaited<R>>
  /** Validates, evaluates and records a decision without settling approvals. */
  decide(input: unknown, options?: { eventId?: string }): Promise<RecordedDecision>
  /**
   * Opens the approval request for a `require_approval` decision and returns its approval id, without
   * waiting (the HTTP decision API answers `pending` at once and lets the caller poll).
   * @throws {GuardError} GUARD_NOT_AWAITING_APPROVAL when the decision needs no approval.
   */
  requestApproval(recorded: RecordedDecision): Promise<string>
  /**
   * Waits for approvers on an open request. Approved -> `allow`; denied or timed out -> `deny` with a
   * reason, after an `outcome` entry with status `not_run`.
   * @throws {GuardError} GUARD_APPROVAL_ABANDONED when `signal` aborts first (nothing is written).
   */
  awaitApproval(recorded: RecordedDecision, approvalId: string, signal?: AbortSignal): Promise<GuardVerdict>
  /** Appends an `outcome` entry for a decision. */
  recordOutcome(decisionId: string, report: OutcomeReport): Promise<void>
  /** Bodies of this chain's entries of `type` carrying `event_id` (vendor event id); for de-duplication. */
  findByEvent(eventId: string, type: 'decision' | 'outcome' | 'conflict'): Promise<Record<string, unknown>[]>
  /**
   * Settles a `require_approval` decision recorded earlier (e.g. before a restart, or by another
   * process): waits for its approval request and answers `allow` or `deny` (also `deny` when no request
   * was ever written). A denied or expired request gets its `not_run` outcome, once.
   * @throws {GuardError} GUARD_APPROVAL_ABANDONED when `signal` aborts first.
   */
  resumeApproval(decisionId: string, signal?: AbortSignal): Promise<'allow' | 'deny'>
  /** Appends any other entry type on the guard's chain (conflicts, runtime events). */
  record(type: string, body: Record<string, unknown>): Promise<void>
}
