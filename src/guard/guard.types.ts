import type { Caller, EntryBodies, EntryBodyOf } from '../entries/index.js'
import type { Ledger, LedgerEntry } from '../ledger/index.js'
import type { Decision, PolicyEngine, Reason, ToolCallInput } from '../policy/index.js'
import type { Clock, IdFactory, Logger } from '../shared/index.js'
import type { ApprovalDesk } from './approvals.js'
import type { ValueScrubber } from './value-scrubber.js'

/** Who is calling a tool, on whose behalf, in which session: everything of a call but the tool itself. */
export interface CallContext {
  readonly agent: ToolCallInput['agent']
  readonly principal: ToolCallInput['principal']
  readonly session: ToolCallInput['session']
  readonly context?: Record<string, unknown>
}

export interface GuardOptions {
  /**
   * `evaluate` decides; `scanTexts` (the bundle's `arbiter/scan` detectors) checks free text before it
   * is stored (tool errors, approval comments). Without it such text is withheld. A `PolicyEngine`
   * from `loadPolicyEngine` fits.
   */
  readonly policy: Pick<PolicyEngine, 'evaluate'> & Partial<Pick<PolicyEngine, 'scanTexts'>>
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
    /**
     * How often the guard's one approval poller reads new approvals from the ledger (one poller serves
     * every waiting call of this guard). Default 500 ms.
     */
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

/** Extra facts for `guard.decide`. */
export interface DecideOptions {
  /** Vendor event id; stored as `event_id`. */
  readonly eventId?: string
  /** The API key that asked (HTTP); recorded on the decision and its approval request. */
  readonly caller?: Caller
  /**
   * The front door's own refusal (e.g. `arbiter.mcp_tool_hidden`, a tool the policy hides from this
   * caller): the call is still evaluated (for its redactions), and recorded as `deny` with this reason.
   */
  readonly veto?: Reason
}

/** A decision as recorded in the ledger, before any approval. */
export interface RecordedDecision {
  readonly decisionId: string
  /** As recorded: reason messages scrubbed of every redacted value; `redact`/`redact_input` as applied. */
  readonly decision: Decision
  /** The validated input as evaluated (arguments not redacted: it never leaves the process). */
  readonly input: ToolCallInput
  /** Ledger seq of the `decision` entry. */
  readonly seq: number
  /** The API key that asked (HTTP); recorded on the decision and its approval request. */
  readonly caller?: Caller
  /** The call's redacted values, to scrub texts written later (its tool error). Serialises as `{}`. */
  readonly scrubber: ValueScrubber
  /** The `decision` entry as committed (its body is what the ledger holds: redacted arguments). */
  readonly entry: LedgerEntry
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
  /** The API key reporting it (HTTP); recorded as `caller`. */
  readonly caller?: Caller
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
  /**
   * The guard's admission check alone (depth, size, unstorable strings in any field; no schema):
   * lets a front door refuse malformed input with 400 before it checks who may send it.
   * @throws {ValidationError} VALIDATION_FAILED naming the limit.
   */
  admit(raw: unknown): void
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
  /**
   * Validates, evaluates and records a decision without settling approvals. `caller` (the API key
   * that asked, over HTTP) is recorded on the decision and on its approval request.
   */
  decide(input: unknown, options?: DecideOptions): Promise<RecordedDecision>
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
  /**
   * Appends an `outcome` entry for a decision and returns where it was written.
   * @throws {GuardError} GUARD_ALREADY_RECORDED when the decision already has one (a database constraint).
   */
  recordOutcome(decisionId: string, report: OutcomeReport): Promise<{ chain: string; seq: number }>
  /**
   * Bodies of this chain's entries of `type` carrying `event_id` (vendor event id); for de-duplication.
   * Bodies that do not match their schema are left out (and logged as a warning with their count).
   */
  findByEvent<T extends 'decision' | 'outcome' | 'conflict'>(
    eventId: string,
    type: T,
  ): Promise<EntryBodies[T][]>
  /**
   * Settles a `require_approval` decision recorded earlier (e.g. before a restart, or by another
   * process): waits for its approval request and answers `allow` or `deny` (also `deny` when no request
   * was ever written). A denied or expired request gets its `not_run` outcome, once.
   * @throws {GuardError} GUARD_APPROVAL_ABANDONED when `signal` aborts first.
   */
  resumeApproval(decisionId: string, signal?: AbortSignal): Promise<'allow' | 'deny'>
  /**
   * Appends any other entry on the guard's chain (e.g. a `conflict`, built with `toConflictBody`). The
   * body of a type Arbiter knows must match its type; other types take any object.
   */
  record<T extends string>(type: T, body: EntryBodyOf<T>): Promise<void>
}
